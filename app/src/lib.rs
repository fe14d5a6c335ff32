//! Custody's user interface, written once for both sides of the wire.
//!
//! With the `ssr` feature it renders pages on the server and holds the server side
//! of every server function ([`api`]), which calls the `store` crate; with `hydrate`
//! it compiles to wasm and takes over the server-rendered page in the browser,
//! depending on `model` (the types both sides exchange) and `evidence` (the browser
//! verifies with the same code as the server), never on `store`.
//!
//! It never depends on the `server` crate: the server depends on it.
#![forbid(unsafe_code)]
#![recursion_limit = "256"]

pub mod api;
pub mod browser_verify;
pub mod components;
pub mod downloads;
pub mod error;
pub mod pages;
pub mod shell;

pub use shell::{shell, App};

/// The wasm entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
