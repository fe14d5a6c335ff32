//! What every page shares: its heading, and a server function's error said plainly.

use leptos::prelude::*;

/// A page's heading and one-line purpose.
#[component]
pub fn PageHeader(title: &'static str, #[prop(into)] lead: String) -> impl IntoView {
    view! {
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
            <p class="mt-1 max-w-3xl text-slate-600 dark:text-slate-400">{lead}</p>
        </div>
    }
}

/// A server function's error, said plainly.
#[component]
pub fn ErrorBox(error: crate::error::ApiError) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-lg border border-red-300 bg-red-50 p-4 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
            {error.to_string()}
        </div>
    }
}
