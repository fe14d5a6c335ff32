//! What vouches for a bundle, or for the review log, outside the organisation whose
//! keys signed it: "Timestamped by X at T", "Witnessed by k of n (…) at size N", or
//! "Not anchored", as `evidence::anchor` derives them, with what does not hold.

use leptos::prelude::*;

use crate::api::fetch_anchoring;
use crate::components::page::ErrorBox;
use evidence::anchor::AnchorState;
use model::Anchoring;

/// The anchoring of a verified bundle or of the review log.
#[component]
pub fn AnchoringView(anchoring: Anchoring) -> impl IntoView {
    let anchored = matches!(anchoring.state, AnchorState::Anchored { .. });
    let (tone, state) = if anchored {
        (
            "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950",
            "anchored",
        )
    } else {
        (
            "border-slate-300 bg-slate-50 dark:border-slate-700 dark:bg-slate-900",
            "not_anchored",
        )
    };
    let covers = anchoring.covers_entry.map(|seq| {
        let text = match anchoring.newest_entry {
            Some(newest) if newest > seq => format!(
                "Covers the review log up to entry #{seq}; entries #{} to #{newest} are not yet in a checkpoint it covers.",
                seq + 1
            ),
            _ => format!("Covers the whole review log, to its newest entry #{seq}."),
        };
        view! {
            <p class="mt-1 text-sm" data-testid="anchor-covers">{text}</p>
        }
    });
    let after = (!anchoring.after_anchor.is_empty()).then(|| {
        let shown: Vec<String> = anchoring
            .after_anchor
            .iter()
            .take(20)
            .map(|i| format!("#{i}"))
            .collect();
        view! {
            <p class="mt-1 text-sm text-amber-900 dark:text-amber-200" data-testid="anchor-after">
                {format!(
                    "time.after_anchor: {} events are dated after the earliest time stamp ({}): the bundle existed before the time they state.",
                    anchoring.after_anchor.len(),
                    shown.join(", ")
                )}
            </p>
        }
    });
    let problems = (!anchoring.problems.is_empty()).then(|| {
        view! {
            <div class="mt-2 text-sm text-red-900 dark:text-red-200" data-testid="anchor-problems">
                <p class="font-semibold">"Anchors that do not hold:"</p>
                <ul class="list-disc pl-5">
                    {anchoring.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}
                </ul>
            </div>
        }
    });
    view! {
        <div class=format!("rounded-md border p-3 {tone}") data-testid="anchoring" data-state=state>
            <ul class="text-sm font-medium">
                {anchoring.sentences.iter().map(|s| view! { <li data-testid="anchor-line">{s.clone()}</li> }).collect_view()}
            </ul>
            {covers}
            {after}
            {problems}
            <p class="mt-1 text-xs">
                <a href="/help#anchoring" class="underline">"What each anchor proves"</a>
            </p>
        </div>
    }
}

/// The anchoring the server holds for a stored bundle (`Some(sha256)`) or for the
/// review log (`None`), fetched.
#[component]
pub fn StoredAnchoring(sha: Option<String>) -> impl IntoView {
    let found = Resource::new(|| (), move |_| fetch_anchoring(sha.clone()));
    view! {
        <Suspense fallback=|| view! { <p class="text-sm">"Checking anchors…"</p> }>
            {move || found.get().map(|r| match r {
                Ok(anchoring) => view! { <AnchoringView anchoring/> }.into_any(),
                Err(error) => view! { <ErrorBox error/> }.into_any(),
            })}
        </Suspense>
    }
}
