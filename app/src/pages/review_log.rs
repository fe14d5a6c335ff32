use leptos::prelude::*;
use leptos_meta::Title;

use super::PageHeader;

/// The review log: every review action, hash-chained and signed by the server.
#[component]
pub fn ReviewLogPage() -> impl IntoView {
    view! {
        <Title text="Review log"/>
        <PageHeader
            title="Review log"
            lead="Every review action (upload, annotation, sign-off, status or role change, export) is appended here, hash-chained and signed by this server."
        />
        <div class="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-slate-600 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-400">
            <p>"Nothing is recorded yet: review actions arrive with reviewer accounts."</p>
        </div>
    }
}
