use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{fetch_bundle, fetch_trust_roots};
use crate::browser_verify::page::{Phase, Source, Verifier};
use crate::components::account::IfCan;
use crate::components::chains::Chains;
use crate::components::exports::Exports;
use crate::components::findings::BundleFindings;
use crate::components::notes::ResponsibilitySplit;
use crate::components::roots::RootsInput;
use crate::components::verdict::VerdictBadge;
use crate::components::verified_bundle::{fit_once, timeline_state, Progress, VerifiedBundle};
use model::timeline::scale::Viewport;
use model::BundleSummary;
use model::Permission;

use crate::components::page::ErrorBox;

/// One stored bundle, verified again in the reviewer's browser against the trust
/// roots the reviewer chose, with its timeline. Deep links: `?event=N` selects
/// event N, `&from=…&to=…` (ms since the epoch) sets the timeline's window.
#[component]
pub fn BundlePage() -> impl IntoView {
    let params = use_params_map();
    let sha = move || params.read().get("sha").unwrap_or_default();
    let summary = Resource::new(sha, |sha| async move { fetch_bundle(sha).await });
    view! {
        // Until the bundle is read, and while it is, the page is still titled.
        <Title text="Bundle"/>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading the bundle…"</p> }>
            {move || Suspend::new(async move {
                match summary.await {
                    Ok(Some(bundle)) => view! { <Bundle bundle/> }.into_any(),
                    Ok(None) => view! {
                        <Title text="No such bundle"/>
                        <h1 class="text-2xl font-semibold">"No such bundle"</h1>
                        <p class="mt-2"><a href="/" class="underline">"Back to the incidents"</a></p>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Bundle(bundle: BundleSummary) -> impl IntoView {
    let query = use_query_map();
    let verifier = Verifier::new();
    let state = timeline_state();
    let roots = RwSignal::new(String::new());
    let using_server_roots = RwSignal::new(false);
    let raw_url = format!("/api/bundles/{}/raw", bundle.sha256);
    let sha = bundle.sha256.clone();
    let server_verdict = bundle.verdict;
    let name = if bundle.name.is_empty() {
        bundle.sha256.chars().take(12).collect()
    } else {
        bundle.name.clone()
    };

    // Once hydrated: verify with the reviewer's roots, or the server's when the
    // reviewer has none (and say so).
    let start = {
        let raw_url = raw_url.clone();
        move |roots_text: String, from_server: bool| {
            using_server_roots.set(from_server);
            verifier.start(Source::Url(&raw_url), &roots_text, "");
        }
    };
    Effect::new({
        let start = start.clone();
        move |first: Option<()>| {
            if first.is_some() {
                return;
            }
            let start = start.clone();
            let mine = crate::components::roots::remembered();
            match mine {
                Some(mine) => {
                    roots.set(mine.clone());
                    start(mine, false);
                }
                None => leptos::task::spawn_local(async move {
                    let server = fetch_trust_roots().await.unwrap_or_default();
                    let text = server
                        .iter()
                        .map(|r| r.public_key.clone())
                        .collect::<Vec<_>>()
                        .join("\n");
                    roots.set(text.clone());
                    start(text, true);
                }),
            }
        }
    });
    // A finished run fits the timeline, or takes the deep link's window and event.
    Effect::new(move |_| {
        if let Phase::Done(found) = verifier.phase.get() {
            let q = query.get_untracked();
            let num = |k: &str| q.get(k).and_then(|v| v.parse::<f64>().ok());
            let keep = match (num("from"), num("to")) {
                (Some(from), Some(to)) if to > from => Some(Viewport { from, to }),
                _ => None,
            };
            fit_once(state, &found, keep);
            if let Some(m) = q
                .get("event")
                .and_then(|e| e.parse::<u32>().ok())
                .and_then(|i| found.mark_of.get(&i).copied())
            {
                state.selected.set(Some(m));
                if keep.is_none() {
                    let at = found.timeline.marks[m as usize].at as f64;
                    let v = state.viewport.get_untracked();
                    if at < v.from || at > v.to {
                        state.viewport.set(Viewport::fit(&found.timeline));
                    }
                }
            }
        }
    });
    // The address follows the selection and the window, so it can be shared.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let v = state.viewport.get();
        let selected = state.selected.get();
        let Phase::Done(found) = verifier.phase.get_untracked() else {
            return;
        };
        let mut search = format!("?from={:.0}&to={:.0}", v.from, v.to);
        if let Some(mark) = selected.and_then(|m| found.timeline.marks.get(m as usize)) {
            search.push_str(&format!("&event={}", mark.index));
        }
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&search));
        }
    });
    let reverify = {
        let start = start.clone();
        move |_| {
            let text = roots.get_untracked();
            start(text, false);
        }
    };
    let roots_note = move || {
        if using_server_roots.get() {
            "Against the server's trust roots, because you have not chosen your own: paste the roots you trust below so the verdict does not depend on this server.".to_owned()
        } else {
            "Against the trust roots you chose in this browser.".to_owned()
        }
    };
    let file_stem = name.clone();
    view! {
        <Title text=crate::components::page::page_title(&format!("Bundle {name}"))/>
        <nav class="mb-2 text-sm">
            <a href="/" class="text-slate-500 underline">"Incidents"</a>
            " / "
            <a href=format!("/incidents/{}", bundle.incident_id) class="text-slate-500 underline">{format!("Incident #{}", bundle.incident_id)}</a>
        </nav>
        <h1 class="text-2xl font-semibold tracking-tight" data-testid="bundle-title">{model::text::visible(&name)}</h1>
        <p class="mt-2 flex flex-wrap items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            "The server stored: " <VerdictBadge verdict=bundle.verdict/>
            <crate::components::verdict::ProvenanceBadge provenance=bundle.provenance/>
            <span class="font-mono text-xs break-all">{format!("sha256 {}", bundle.sha256)}</span>
            <a class="underline" href=raw_url.clone() rel="external" data-testid="raw-bytes">"raw bytes"</a>
        </p>
        <details class="mt-4 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
            <summary class="cursor-pointer text-sm font-medium">"Trust roots used in this browser"</summary>
            <div class="mt-2">
                <RootsInput value=roots/>
                <button type="button" data-testid="reverify" on:click=reverify class="mt-2 rounded-md bg-emerald-700 px-4 py-1.5 text-sm font-semibold text-white hover:bg-emerald-800">
                    "Verify again with these roots"
                </button>
            </div>
        </details>
        <div class="mt-4"><Progress verifier/></div>
        {let sha = sha.clone(); move || match verifier.phase.get() {
            Phase::Done(found) => Some(view! {
                <div class="mt-4">
                    <VerifiedBundle found verifier server=Some(server_verdict) roots_note=roots_note() state file_stem=file_stem.clone() bundle=sha.clone()/>
                </div>
            }),
            _ => None,
        }}
        <BundleFindings sha=sha.clone() verifier state/>
        <crate::components::reconciliation::Reconciliation sha=sha.clone() verifier state/>
        <section class="mt-6" aria-labelledby="anchoring-title">
            <h2 id="anchoring-title" class="mb-2 text-lg font-semibold">"Anchoring"</h2>
            <crate::components::anchoring::StoredAnchoring sha=Some(sha.clone())/>
            <p class="mt-2 text-sm">
                <a href=format!("/api/bundles/{sha}/anchored") download=format!("{sha}.anchored.bundle.json") rel="external" class="underline" data-testid="anchored-download">"Download with its anchors"</a>
                " (its time stamps and its inclusion proof in this server's log), to verify offline on the Verify page."
            </p>
        </section>
        <Chains sha=sha.clone()/>
        <ResponsibilitySplit incident=bundle.incident_id bundle=sha.clone()/>
        <IfCan what=Permission::Export>
            <Exports base=format!("/api/bundles/{sha}/export") stem=format!("bundle-{}", sha.get(..12).unwrap_or_default())/>
        </IfCan>
    }
    .into_any()
}
