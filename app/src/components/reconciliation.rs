//! A stored bundle's reconciliation with the other side of its incident: each of
//! its calls that signed evidence and a collector's traces should both record,
//! matched or missing. Marks the timeline too.

use leptos::prelude::*;

use crate::api::fetch_reconciliation;
use crate::browser_verify::page::Verifier;
use crate::components::findings::jump_to;
use crate::components::hydrated::use_hydrated;
use crate::components::page::ErrorBox;
use crate::components::timeline::TimelineState;
use model::Counterpart;

/// The reconciliation section of the bundle page.
#[component]
pub fn Reconciliation(sha: String, verifier: Verifier, state: TimelineState) -> impl IntoView {
    let found = Resource::new(|| (), {
        let sha = sha.clone();
        move |_| fetch_reconciliation(sha.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(all)) = found.get() {
            state
                .counterparts
                .set(all.iter().map(|c| (c.index() as u32, c.clone())).collect());
        }
    });
    let hydrated = use_hydrated();
    let body = move || {
        found.get().map(|r| match r {
            Err(error) => view! { <ErrorBox error/> }.into_any(),
            Ok(all) if all.is_empty() => view! {
                <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="no-reconciliation">
                    "Nothing to reconcile: its incident does not hold both bundles signed by the parties that acted and a collector's traces with calls in the same time."
                </p>
            }.into_any(),
            Ok(all) => {
                let matched = all.iter().filter(|c| matches!(c, Counterpart::Matched { .. })).count();
                let missing = all.len() - matched;
                view! {
                    <p class="mb-2 text-sm" data-testid="reconciliation-summary">
                        {match missing {
                            0 => format!("{matched} calls reconciled with the other side; none missing from it."),
                            _ => format!("{matched} calls reconciled with the other side; {missing} missing from it."),
                        }}
                    </p>
                    <ul class="space-y-1 text-sm" data-testid="reconciliation">
                        {all.into_iter().map(|c| {
                            let index = c.index();
                            let (state_name, other) = match &c {
                                Counterpart::Matched { other, .. } => ("matched", Some(format!("/bundles/{}?event={}", other.bundle, other.index))),
                                Counterpart::Unreconciled { .. } => ("unreconciled", None),
                            };
                            view! {
                                <li data-counterpart=state_name data-index=index>
                                    <button type="button" class="underline" disabled=move || !hydrated.get() on:click=move |_| jump_to(verifier, state, index)>{format!("#{index}")}</button>
                                    {format!(" {}", c.describe())}
                                    {other.map(|href| view! { " · " <a class="underline" href=href>"open the other event"</a> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }
        })
    };
    view! {
        <section class="mt-8" aria-labelledby="reconciliation-title">
            <h2 id="reconciliation-title" class="mb-2 text-lg font-semibold">"Reconciliation"</h2>
            <Transition fallback=|| ()>{body}</Transition>
        </section>
    }
}
