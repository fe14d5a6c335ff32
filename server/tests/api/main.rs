//! Integration tests: the real server on a random port, a fresh database each.

mod access;
mod accounts;
mod anchoring;
mod at_rest;
mod connections;
mod exports;
mod findings;
mod health;
mod helpers;
mod incidents;
mod ingest;
mod kill;
mod openapi;
mod pages;
mod paging;
mod plans;
mod review;
mod sessions;
mod timestamps;
mod tokens;
mod traces;
mod two_servers;
mod views;
mod witness_protocol;
