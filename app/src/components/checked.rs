//! What a check on the Verify page found, as lines: an export's, a SCITT statement's.

use leptos::prelude::*;

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// Whether everything checked holds.
    pub holds: bool,
    /// The lines to show, in order.
    pub lines: Vec<String>,
}

impl Checked {
    /// A check that stopped at `line`.
    pub fn failed(line: String) -> Self {
        Checked {
            holds: false,
            lines: vec![line],
        }
    }
}

/// A check's lines in a box toned by whether it holds; `testid` names the box
/// (`data-state` is `verified` or `not_verified`) and `{testid}-line` each line.
#[component]
pub fn CheckedLines(checked: Checked, testid: &'static str) -> impl IntoView {
    let (tone, state) = if checked.holds {
        (
            "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950",
            "verified",
        )
    } else {
        ("border-red-600 bg-red-50 dark:bg-red-950", "not_verified")
    };
    let line_id = format!("{}-line", testid.trim_end_matches("-result"));
    view! {
        <div class=format!("mt-4 rounded-md border p-3 text-sm {tone}") data-testid=testid data-state=state role="status">
            <ul>
                {checked.lines.into_iter().map(|l| view! { <li data-testid=line_id.clone()>{l}</li> }).collect_view()}
            </ul>
        </div>
    }
}

/// A labelled file input for a check, with the names of the files chosen below it.
#[component]
pub fn FileField(
    id: &'static str,
    label: &'static str,
    accept: &'static str,
    #[prop(optional)] multiple: bool,
    on_change: Callback<leptos::ev::Event>,
    #[prop(into)] chosen: Signal<String>,
) -> impl IntoView {
    view! {
        <div>
            <label for=id class="mb-1 block text-sm font-medium">{label}</label>
            <input id=id type="file" multiple=multiple accept=accept on:change=move |ev| on_change.run(ev) class="text-sm"/>
            <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{move || chosen.get()}</p>
        </div>
    }
}

/// A check's button, enabled once the page is hydrated and `ready` holds.
#[component]
pub fn CheckButton(
    label: &'static str,
    on_click: Callback<leptos::ev::MouseEvent>,
    #[prop(into)] ready: Signal<bool>,
) -> impl IntoView {
    let hydrated = crate::components::hydrated::use_hydrated();
    view! {
        <button
            type="button"
            on:click=move |ev| on_click.run(ev)
            disabled=move || !hydrated.get() || !ready.get()
            class="mt-4 rounded-md bg-emerald-700 px-5 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 disabled:cursor-not-allowed disabled:opacity-60"
        >
            {label}
        </button>
    }
}
