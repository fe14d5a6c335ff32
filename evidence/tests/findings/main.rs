//! Attribution-gap findings: for each rule, a minimal bundle that breaks it (the
//! exact rule and event positions are asserted) and one that does not; the control
//! table; determinism. By topic, as the rules in `evidence/src/findings/rules/`:
//! - [`credentials`]: `shared-account`, `credential-before-issue`,
//!   `credential-expired`, `credential-revoked`, `credential-misused`;
//! - [`delegation`]: `scope-widened` and the grants;
//! - [`approvals`]: `approval-missing`, `approval-late`, `no-separation`;
//! - [`decisions`]: `decision-missing`, `decision-absent`, `decision-late`;
//! - [`chain`]: `no-executor`, `chain-broken`, `sequence-gap`, `clock-inversion`,
//!   `outside-time-range`, `unsigned`, `untrusted`;
//! - [`overall`]: the control table, the document, order, determinism, odd inputs;
//! - [`arbitrary`]: arbitrary events never trouble the rules.
//!
//! [`support`] holds what they share.

mod approvals;
mod arbitrary;
mod chain;
mod credentials;
mod decisions;
mod delegation;
mod overall;
mod support;
