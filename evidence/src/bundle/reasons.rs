//! A verification's reasons and its one status (sections 12.3 and 12.4 of
//! `docs/bundle-format.md`): the bundle-level reasons raised, each with its class,
//! then every event's failed and unknown checks and its warnings.

use super::{Check, EventReport, Status};
use crate::reason::Code;

/// The status and the reasons (sections 12.3 and 12.4): the bundle-level reasons
/// raised, then each event's failed and unknown checks and its warnings; the codes in
/// `scope` (statements of what a document leaves out, not findings) are not reasons.
pub(crate) fn conclude(
    mut reasons: Reasons,
    malformed: bool,
    events: &[EventReport],
    scope: &[&str],
) -> (Status, Vec<&'static str>) {
    for e in events {
        for check in [&e.integrity, &e.trust, &e.chain, &e.inclusion] {
            if let Check::Fail(code) | Check::Unknown(code) = check {
                if !scope.contains(code) {
                    reasons.add(code);
                }
            }
        }
        for w in &e.warnings {
            reasons.add(w);
        }
    }
    let status = if malformed || reasons.malformed {
        Status::Malformed
    } else if reasons.tampered
        || events
            .iter()
            .any(|e| e.integrity.is_fail() || e.chain.is_fail() || e.inclusion.is_fail())
    {
        Status::Tampered
    } else if reasons.untrusted
        || events
            .iter()
            .any(|e| e.trust != Check::Pass || e.integrity != Check::Pass)
    {
        Status::Untrusted
    } else if !reasons.codes.is_empty() {
        Status::VerifiedWithWarnings
    } else {
        Status::Verified
    };
    (status, reasons.codes)
}

/// Bundle-level reasons, each with its class (section 12.3).
#[derive(Default)]
pub(crate) struct Reasons {
    codes: Vec<&'static str>,
    tampered: bool,
    untrusted: bool,
    malformed: bool,
}

impl Reasons {
    fn add(&mut self, code: &'static str) {
        if !self.codes.contains(&code) {
            self.codes.push(code);
        }
    }
    /// Raises `code`, which makes the bundle tampered.
    pub(crate) fn tamper(&mut self, code: Code) {
        self.tampered = true;
        self.add(code.code());
    }
    /// Raises `code`, which makes the bundle untrusted.
    pub(super) fn distrust(&mut self, code: Code) {
        self.untrusted = true;
        self.add(code.code());
    }
    /// Raises `code`, which makes the bundle malformed.
    pub(super) fn unreadable(&mut self, code: Code) {
        self.malformed = true;
        self.add(code.code());
    }
}
