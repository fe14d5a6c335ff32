//! An export (`export.tar`) checked in this browser, as `custody verify-report` checks
//! it: the signed manifest against the server's key, every file against its signed
//! SHA-256, then its transparency-log checkpoint and the inclusion proof of every
//! source bundle, with the witnesses against the reviewer's policy
//! (`evidence::report`, `evidence::tlog`). Nothing is uploaded.

use leptos::prelude::*;

use crate::components::checked::{CheckButton, Checked, CheckedLines, FileField};
use crate::components::files::TextDrop;

/// Checks `tar` against the server keys in `keys` and the witness policy in
/// `witnesses` (empty: none).
pub fn check(tar: &[u8], keys: &str, witnesses: &str) -> Checked {
    let fail = Checked::failed;
    let keys = match evidence::keys::PublicKey::list_from_text(keys) {
        Ok(keys) => keys,
        Err(e) => return fail(format!("The server's key cannot be read: {e}.")),
    };
    let policy = if witnesses.trim().is_empty() {
        None
    } else {
        match evidence::tlog::WitnessPolicy::parse(witnesses) {
            Ok(p) => Some(p),
            Err(e) => return fail(format!("The witness policy cannot be read: {e}.")),
        }
    };
    let files = match evidence::report::read_tar(tar) {
        Ok(files) => files,
        Err(e) => return fail(e),
    };
    let manifest = match evidence::report::verify_export(&files, &keys) {
        Ok(m) => m,
        Err(problems) => {
            let mut lines = vec!["Not verified: the export is not what the server signed.".into()];
            lines.extend(problems.iter().map(|p| p.to_string()));
            return Checked {
                holds: false,
                lines,
            };
        }
    };
    let anchoring = evidence::tlog::ExportAnchoring::of(&files, &manifest, &keys, policy.as_ref());
    let mut lines = vec![format!("Verified: {}.", manifest.summary())];
    lines.extend(anchoring.lines());
    Checked {
        holds: anchoring.holds(policy.is_some()),
        lines,
    }
}

/// The Verify page's section for exports.
#[component]
pub fn ExportVerify() -> impl IntoView {
    let keys = RwSignal::new(String::new());
    let witnesses = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Checked>);
    let file_name = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    let chosen: StoredValue<Option<web_sys::File>, LocalStorage> = StoredValue::new_local(None);
    let on_pick = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        if let Some(file) = crate::components::files::picked(&ev) {
            file_name.set(Some(file.name()));
            chosen.set_value(Some(file));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let verify = move |_: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        if let Some(file) = chosen.get_value() {
            leptos::task::spawn_local(async move {
                let bytes = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                    Err(_) => {
                        result.set(Some(Checked::failed("The file cannot be read.".into())));
                        return;
                    }
                };
                result.set(Some(check(
                    &bytes,
                    &keys.get_untracked(),
                    &witnesses.get_untracked(),
                )));
            });
        }
    };
    view! {
        <section aria-labelledby="export-verify-title" class="mt-12 border-t border-slate-200 pt-8 dark:border-slate-800">
            <h2 id="export-verify-title" class="mb-1 text-lg font-semibold">"Verify an export"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                "An incident's or a bundle's export.tar, checked here as custody verify-report checks it: every file against the manifest the server signed, then the transparency log's checkpoint and the inclusion proof of every source bundle."
            </p>
            <div class="grid grid-cols-1 gap-6 lg:grid-cols-2">
                <FileField id="export-file" label="Export (export.tar)" accept=".tar,application/x-tar"
                    on_change=Callback::new(on_pick) chosen=move || file_name.get().unwrap_or_default()/>
                <TextDrop id="export-key" label="The server's public key (server.pub)" placeholder="64 hex digits" rows=2 value=keys/>
            </div>
            <div class="mt-4">
                <TextDrop id="export-witnesses" label="Witness policy (optional): witness <vkey> lines and quorum <k>" placeholder="witness w1.example+8d66cf3f+BA…\nquorum 2" rows=3 value=witnesses/>
            </div>
            <CheckButton label="Verify export" on_click=Callback::new(verify) ready=move || file_name.get().is_some()/>
            {move || result.get().map(|checked| view! { <CheckedLines checked testid="export-result"/> })}
        </section>
    }
}
