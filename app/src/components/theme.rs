//! Light and dark themes: the choice is remembered in the browser; without one the
//! system's preference decides (see the boot script in `shell.rs`).

use leptos::prelude::*;

const STORAGE_KEY: &str = "custody-theme";

/// The header button that switches between the light and the dark theme.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    // The server cannot know the theme; the browser reads it after hydration.
    let (dark, set_dark) = signal(false);
    Effect::new(move |_| set_dark.set(is_dark()));
    let toggle = move |_| {
        let next = !dark.get_untracked();
        apply(next);
        set_dark.set(next);
    };
    view! {
        <button
            type="button"
            on:click=toggle
            title="Switch between the light and the dark theme"
            class="rounded-md border border-slate-200 px-2.5 py-1.5 text-sm text-slate-600 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800"
        >
            <span aria-hidden="true">{move || if dark.get() { "☾ " } else { "☀ " }}</span>
            {move || if dark.get() { "Theme: dark" } else { "Theme: light" }}
        </button>
    }
}

fn is_dark() -> bool {
    document()
        .document_element()
        .map(|root| root.class_list().contains("dark"))
        .unwrap_or(false)
}

fn apply(dark: bool) {
    if let Some(root) = document().document_element() {
        let classes = root.class_list();
        let _ = if dark {
            classes.add_1("dark")
        } else {
            classes.remove_1("dark")
        };
    }
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = storage.set_item(STORAGE_KEY, if dark { "dark" } else { "light" });
    }
}
