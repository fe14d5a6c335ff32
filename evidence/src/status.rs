//! A bundle's one status, what each means, and its stable name. Its own room: the
//! reason codes ([`crate::reason`]) say which status each leads to, and the
//! verifier ([`crate::bundle`]) gives one.

/// The bundle's one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every check on every event and on the manifest passed.
    Verified,
    /// Everything passed, with warnings.
    VerifiedWithWarnings,
    /// Some signature, chain link, manifest binding or inclusion failed.
    Tampered,
    /// Nothing failed, but some key or manifest is not certified by a trusted root.
    Untrusted,
    /// A signed payload could not be read.
    Malformed,
}

impl Status {
    /// Every status, best first.
    pub const ALL: [Status; 5] = [
        Status::Verified,
        Status::VerifiedWithWarnings,
        Status::Untrusted,
        Status::Tampered,
        Status::Malformed,
    ];

    /// What the status means, in the words of `docs/bundle-format.md` §12.4.
    pub fn meaning(self) -> &'static str {
        match self {
            Status::Verified => "Every check on every event and on the manifest passed: each signature verified with a key a trusted root certifies for its emitter at that time, every hash chain is whole, and every event is covered by the signed manifest.",
            Status::VerifiedWithWarnings => "Everything passed, with warnings: nothing failed, but something a reviewer should know was noticed (a signature verified with another certified key than its hint names, or two events share an id).",
            Status::Untrusted => "Nothing failed, but some key or manifest is not certified by a trusted root, or some event could not be checked against a certified key: the evidence is intact as far as it could be checked, but it is not tied to anyone you trust.",
            Status::Tampered => "Some signature, chain link, manifest binding or inclusion failed, the bindings and revocations are not those the manifest covers, or an envelope is of the wrong type for its place: the bytes are not what was signed.",
            Status::Malformed => "An event's signature held but its payload is not a valid event or is too large, or a binding or revocation signed by a trusted root, or the verified manifest, cannot be read.",
        }
    }

    /// The stable name of the status.
    pub fn code(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::VerifiedWithWarnings => "verified_with_warnings",
            Status::Tampered => "tampered",
            Status::Untrusted => "untrusted",
            Status::Malformed => "malformed",
        }
    }

    /// The status as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Verified => "Verified",
            Status::VerifiedWithWarnings => "Verified with warnings",
            Status::Tampered => "Tampered",
            Status::Untrusted => "Untrusted",
            Status::Malformed => "Malformed",
        }
    }

    /// Whether every signature, link, binding and inclusion held and every key is
    /// certified by a trusted root (with or without warnings).
    pub fn holds(self) -> bool {
        matches!(self, Status::Verified | Status::VerifiedWithWarnings)
    }
}
