//! The console's one table frame: a bordered, scrolling table with column headings.

use leptos::prelude::*;

/// A table with `columns` as its headings and `children` as its body rows.
#[component]
pub fn DataTable(
    columns: &'static [&'static str],
    #[prop(optional)] testid: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        // Focusable, so that a keyboard can scroll a table wider than the window.
        <div tabindex="0" class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table class="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid=testid>
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-900">
                    <tr>
                        {columns
                            .iter()
                            .map(|c| view! { <th scope="col" class="px-4 py-2">{*c}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">{children()}</tbody>
            </table>
        </div>
    }
}
