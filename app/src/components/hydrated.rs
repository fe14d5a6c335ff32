//! Knowing whether the page is interactive yet.

use leptos::prelude::*;

/// A signal that turns true once the page has hydrated (effects run only in the
/// browser). Controls that need wasm stay disabled until then.
pub fn use_hydrated() -> ReadSignal<bool> {
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    hydrated
}
