//! Verifying a bundle in the browser, with the same `evidence` code the server runs.
//!
//! The work runs in a Web Worker (`public/verify-worker.js`) that loads this crate's
//! wasm, so the page never freezes. Three rooms:
//! - [`protocol`]: the typed messages the page and the worker exchange;
//! - [`worker`]: the worker's side: a bundle verified, read for review and held as
//!   a [`worker::Verification`] to answer the page's questions: a page of results,
//!   one event, or the whole transcript (exactly what `custody verify --json`
//!   prints), so that a 100,000-event bundle never crosses into the page at once;
//!   its wasm entry points are in `wasm` (built with `hydrate`);
//! - [`page`]: the page's side: starts the worker, follows its progress and keeps
//!   what it sent as a [`page::PageVerification`].
//!
//! What a reviewer then sees is `components::verified_bundle`.

pub mod page;
pub mod protocol;
#[cfg(feature = "hydrate")]
mod wasm;
pub mod worker;
