//! Custody's server and command-line tool.
//!
//! The `custody` binary ([`cli`]) serves the review console ([`startup`]) over
//! axum and leptos_axum, with the data layer and the UI from the `app` crate and
//! verification from `evidence`. It wires things together; domain logic lives in
//! `evidence` (verification) and `store` (storage), so handlers stay thin.
#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod connections;
pub mod demo;
pub mod http;
pub mod key_files;
pub mod startup;
pub mod telemetry;
