//! Custody's evidence core: the format of signed evidence and its verification.
//!
//! This crate is pure: no I/O, no async, no clock reads, no global state. Time and
//! trust roots are inputs. That is what lets the very same code run in the server,
//! in the `custody` command-line tool and, compiled to wasm, in a reviewer's browser.
//!
//! It must never depend on the server, the UI or any runtime, and it never panics on
//! any input: every way input can be wrong is a [`dsse::Reason`] with a stable code.
//!
//! What is here today:
//! - [`dsse`]: DSSE v1 envelopes, their pre-authentication encoding ([`dsse::pae`]) and
//!   strict ed25519 verification of one envelope against one public key;
//! - [`keys`]: reading an ed25519 public key from the forms people paste (hex, base64,
//!   PEM) and the one strict signature check every verdict rests on;
//! - [`json`]: strict JSON (no duplicate keys, bounded depth) for signed payloads;
//! - [`merkle`]: RFC 6962 Merkle roots and inclusion and consistency proofs;
//! - [`excerpt`]: chosen events of a bundle with inclusion proofs, and their
//!   verification without the rest of the bundle;
//! - [`report`]: signed manifests of exports, and their verification;
//! - [`findings`]: attribution-gap findings, each naming the events that prove it;
//! - [`reason`]: every reason code the verifier gives, with what it means.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod batch;
pub mod bundle;
pub mod dsse;
pub mod event;
pub mod excerpt;
pub mod findings;
pub mod json;
pub mod keys;
pub mod merkle;
mod parallel;
pub mod producer;
pub mod reason;
pub mod report;
pub mod time;

mod b64;
