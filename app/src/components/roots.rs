//! The trust roots a reviewer chooses in the browser: pasted or loaded from a file,
//! remembered in this browser's local storage (never sent to the server).

use leptos::prelude::*;

use crate::components::files::TextDrop;

/// Where the roots are remembered.
#[cfg(feature = "hydrate")]
const KEY: &str = "custody-trust-roots";

/// The roots remembered in this browser, if any.
pub fn remembered() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .filter(|r| !r.trim().is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Remembers `roots` in this browser (empty forgets them).
pub fn remember(roots: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = if roots.trim().is_empty() {
            storage.remove_item(KEY)
        } else {
            storage.set_item(KEY, roots)
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = roots;
}

/// A text area for trust roots, filled from this browser's memory once hydrated,
/// with a box to remember what is there.
#[component]
pub fn RootsInput(value: RwSignal<String>) -> impl IntoView {
    let keep = RwSignal::new(false);
    Effect::new(move |first: Option<()>| {
        if first.is_none() {
            if let Some(saved) = remembered() {
                value.set(saved);
                keep.set(true);
            }
        }
    });
    Effect::new(move |_| {
        let roots = value.get();
        if keep.get() {
            remember(&roots);
        }
    });
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        keep.set(on);
        if !on {
            remember("");
        }
    };
    view! {
        <div>
            <TextDrop
                id="trust-roots"
                label="Trust roots: the organisation root keys you trust (one per line, or PEM)"
                placeholder="64 hex digits per line, base64, or -----BEGIN PUBLIC KEY----- blocks"
                rows=3
                value
            />
            <label class="mt-1 flex items-center gap-2 text-sm">
                <input type="checkbox" data-testid="remember-roots" prop:checked=move || keep.get() on:change=toggle/>
                "Remember these roots in this browser (kept locally, never sent)"
            </label>
        </div>
    }
    .into_any()
}
