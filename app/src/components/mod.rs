//! Reusable pieces of the UI, one per file.

pub mod account;
pub mod anchoring;
pub mod chains;
pub mod checked;
pub mod export_verify;
pub mod exports;
pub mod files;
pub mod findings;
pub mod forms;
pub mod help;
pub mod hydrated;
pub mod notes;
pub mod offline;
pub mod page;
pub mod reconciliation;
pub mod roots;
pub mod scitt_verify;
pub mod table;
pub mod theme;
pub mod timeline;
pub mod tokens;
pub mod upload;
pub mod verdict;
pub mod verified_bundle;
