use leptos::prelude::*;
use leptos_meta::Title;

/// Shown, with status 404, for any address Custody does not have.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Not found"/>
        <section class="py-16 text-center">
            <p class="font-mono text-sm text-slate-500">"404"</p>
            <h1 class="mt-2 text-2xl font-semibold">"Page not found"</h1>
            <p class="mt-2 text-slate-600 dark:text-slate-400">"Nothing lives at this address."</p>
            <a href="/" class="mt-6 inline-block rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">
                "Back to incidents"
            </a>
        </section>
    }
}
