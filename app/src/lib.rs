//! Custody's user interface, written once for both sides of the wire.
//!
//! With the `ssr` feature it renders pages on the server and holds the server side
//! of every server function ([`api`]) and the data-access layer ([`store`]); with
//! `hydrate` it compiles to wasm and takes over the server-rendered page in the
//! browser. The types the two sides exchange ([`model`]) are defined once, here.
//!
//! It may depend on `evidence` (the browser verifies with the same code as the
//! server) but never on the `server` crate: the server depends on it.
#![forbid(unsafe_code)]
#![recursion_limit = "256"]

pub mod api;
pub mod browser_verify;
pub mod components;
pub mod downloads;
pub mod error;
pub mod model;
pub mod pages;
pub mod shell;
#[cfg(feature = "ssr")]
pub mod store;
pub mod text;
pub mod timeline;

pub use shell::{shell, App};

/// The wasm entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
