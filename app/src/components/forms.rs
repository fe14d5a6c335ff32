//! The pieces every form in the console shares: field and button styles, and how
//! an action's failure is said.

use leptos::prelude::*;

/// A text field, select or text area, full width under its label.
pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900";
/// A field sized to its content, beside others in a row.
pub const INLINE_INPUT: &str = "max-w-full rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-900";
/// A field of a GET filter form (the incident list's, the event search's).
pub const FILTER_INPUT: &str =
    "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm \
     text-slate-900 shadow-sm focus:border-emerald-600 focus:outline-none focus:ring-2 \
     focus:ring-emerald-500/40 dark:border-slate-700 dark:bg-slate-950 dark:text-slate-100";
/// The label above a filter field.
pub const FILTER_LABEL: &str = "block text-xs font-medium text-slate-600 dark:text-slate-400";
/// A form's main button.
pub const BUTTON: &str = "rounded-md bg-slate-900 px-3 py-1 text-sm font-medium text-white disabled:opacity-50 dark:bg-slate-100 dark:text-slate-900";

/// Why an action's last call failed, if it did.
pub fn failed<T>(last: Option<Result<T, crate::error::ApiError>>) -> Option<String> {
    last.and_then(Result::err).map(|e| e.to_string())
}

/// An action's error, said plainly.
#[component]
pub fn ActionError(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! { <p role="alert" data-testid="action-error" class="mt-1 text-sm text-red-700 dark:text-red-400">{e}</p> }
        })
    }
}

/// When an action last saved (a stored time, RFC 3339), said once it has.
#[component]
pub fn Saved(#[prop(into)] at: Signal<Option<String>>, testid: &'static str) -> impl IntoView {
    move || {
        at.get().map(|at| {
            view! {
                <p role="status" data-testid=testid class="mt-1 text-sm text-emerald-700 dark:text-emerald-400">
                    {format!("Saved at {}", evidence::time::readable(&at))}
                </p>
            }
        })
    }
}
