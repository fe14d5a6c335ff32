//! Integration tests: the real server on a random port, a fresh database each.

mod helpers;
mod health;
mod pages;
