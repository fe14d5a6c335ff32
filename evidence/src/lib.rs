//! Custody's evidence core: the format of signed evidence and its verification.
//!
//! This crate is pure: no I/O, no async, no clock reads, no global state. Time and
//! trust roots are inputs. That is what lets the very same code run in the server,
//! in the `custody` command-line tool and, compiled to wasm, in a reviewer's browser.
//!
//! It must never depend on the server, the UI or any runtime, and it never panics on
//! any input: every way input can be wrong has a stable [`reason::Code`].
//!
//! Its modules, every one of them:
//! - [`bundle`]: evidence bundles (format v1) and their verification ([`bundle::verify`]
//!   and its siblings give a [`bundle::Report`]); [`bundle::helped`] is where a
//!   caller supplies signature answers from a helper of its own;
//! - [`event`]: the payload of an event: who did what, for whom, under which
//!   credential and policy decision, approved by whom;
//! - [`producer`]: making bundles: what an emitter, an organisation root and a
//!   collector sign;
//! - [`dsse`]: DSSE v1 envelopes, their pre-authentication encoding ([`dsse::pae`]) and
//!   strict ed25519 verification of one envelope against one public key;
//! - [`keys`]: reading an ed25519 public key from the forms people paste (hex, base64,
//!   PEM) and the one strict signature check every verdict rests on;
//! - [`batch`]: many ed25519 signatures checked at once, with exactly the answer that
//!   strict check gives for each;
//! - [`json`]: strict JSON (no duplicate keys, bounded depth) for signed payloads;
//! - [`merkle`]: RFC 6962 Merkle roots and inclusion and consistency proofs;
//! - [`time`]: timestamps, RFC 3339 in UTC, as every time in a bundle is written;
//! - [`excerpt`]: chosen events of a bundle with inclusion proofs, and their
//!   verification without the rest of the bundle;
//! - [`report`]: signed manifests of exports, and their verification;
//! - [`findings`]: attribution-gap findings, each naming the events that prove it;
//! - [`reconcile`]: the calls signed bundles record matched with those a
//!   collector's traces record;
//! - [`reason`]: every reason code the verifier gives ([`reason::Code`]), with what it
//!   means and what it does to a verdict;
//! - [`status`]: a bundle's one status ([`status::Status`], also `bundle::Status`);
//! - `parallel` (private): work spread over threads where the platform has them, on
//!   the calling thread where it does not (wasm), with the same results;
//! - `b64` (private): base64 as DSSE allows it, and nothing looser.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod anchor;
pub mod batch;
pub mod bundle;
pub mod dsse;
pub mod event;
pub mod excerpt;
pub mod findings;
pub mod json;
pub mod keys;
pub mod merkle;
pub mod note;
mod parallel;
pub mod producer;
pub mod reason;
pub mod reconcile;
pub mod report;
pub mod scitt;
pub mod status;
pub mod time;
pub mod timestamp;
pub mod tlog;
pub mod witness;

mod b64;
