//! Files a person hands the page: dropped on it, or chosen with a picker.

use wasm_bindgen::JsCast as _;

/// The first file of a drop.
pub fn dropped(ev: &web_sys::DragEvent) -> Option<web_sys::File> {
    ev.data_transfer()
        .and_then(|dt| dt.files())
        .and_then(|f| f.get(0))
}

/// The file input a `change` event came from.
pub fn input_of(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
}

/// The first file chosen in that input.
pub fn picked(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    input_of(ev).and_then(|i| i.files()).and_then(|f| f.get(0))
}
