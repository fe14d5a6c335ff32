//! The export downloads of a review.

use leptos::prelude::*;

/// Downloads of a review (an incident's or a bundle's, under `base`): each is a new
/// export, recorded in the review log.
#[component]
pub fn Exports(base: String, stem: String) -> impl IntoView {
    let link = |file: &'static str, label: &'static str| {
        view! {
            <a href=format!("{base}/{file}") download=format!("{stem}-{file}") rel="external" class="rounded-md border border-slate-300 px-3 py-1 text-sm font-medium dark:border-slate-700" data-testid=format!("export-{file}")>{label}</a>
        }
    };
    view! {
        <section class="mb-8" aria-labelledby="exports-title">
            <h2 id="exports-title" class="mb-2 text-lg font-semibold">"Export"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                "The archive holds the CSV, the JSON and the printable report with a manifest of their SHA-256 and the source bundles', signed by this server: "
                <code class="font-mono text-xs">"custody verify-report export.tar --trust server.pub"</code>" proves nothing in it changed."
            </p>
            <div class="flex flex-wrap gap-2">
                {link("export.tar", "Verifiable export (.tar)")}
                {link("events.csv", "Events (CSV)")}
                {link("review.json", "Review (JSON)")}
                <a href=format!("{base}/report.html") target="_blank" rel="external" class="rounded-md border border-slate-300 px-3 py-1 text-sm font-medium dark:border-slate-700" data-testid="export-report.html">"Printable report"</a>
            </div>
        </section>
    }
}
