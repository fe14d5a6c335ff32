//! Every reason code the verifier can give, with the sentence a reviewer reads and
//! what it does to a verdict: one list, from which come the [`Code`] enum (what the
//! crate emits), the [`ALL`] table (what the verifier's explanations,
//! [`crate::bundle::explain`], the CLI, the console and its help page read) and
//! [`find`].
//!
//! Each code's text (`signature.invalid`) is stable: it is what reports, transcripts
//! and JSON carry, and what `docs/bundle-format.md` §13 lists. `tests/spec_doc.rs`
//! fails when that table and this list differ, when a code-shaped literal elsewhere in
//! the crate is not listed here, and when a listed code is emitted nowhere.

use std::fmt;

use crate::status::Status;

/// One reason code and what it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reason {
    /// The stable code (`signature.invalid`), as in reports and transcripts.
    pub code: &'static str,
    /// What it does to the verdict.
    pub effect: Effect,
    /// One sentence a reviewer reads.
    pub meaning: &'static str,
}

/// What a reason does to a verdict (the "Leads to" column of
/// `docs/bundle-format.md` §13).
// Not `#[non_exhaustive]`: whoever groups reasons by effect (the help page) must
// match every effect, so that a new one cannot be left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The input is refused as a whole: no report, nothing checked, nothing stored
    /// (for the excerpt codes, no excerpt is made).
    Refused,
    /// The bundle's status is this one, or worse.
    Status(Status),
    /// A check could not be made, because another check failed first (or, in an
    /// excerpt, because the event it needs was left out): the status is that of the
    /// failure that prevented it.
    NotChecked,
}

impl Effect {
    /// Every effect, in the order the help page lists them: what stops a bundle
    /// first, then the statuses worst first, then checks not made.
    pub const ALL: [Effect; 6] = [
        Effect::Refused,
        Effect::Status(Status::Tampered),
        Effect::Status(Status::Malformed),
        Effect::Status(Status::Untrusted),
        Effect::Status(Status::VerifiedWithWarnings),
        Effect::NotChecked,
    ];
}

/// The reason with code `code`, if it is one the verifier gives.
pub fn find(code: &str) -> Option<&'static Reason> {
    Code::from_code(code).map(Code::reason)
}

impl Code {
    /// The code whose text is `code`, if it is one the verifier gives.
    pub fn from_code(code: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.code() == code)
    }

    /// What it does to the verdict.
    pub const fn effect(self) -> Effect {
        self.reason().effect
    }

    /// One sentence a reviewer reads.
    pub const fn meaning(self) -> &'static str {
        self.reason().meaning
    }
}

/// The stable code text (`signature.invalid`).
impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Makes [`Code`], its methods and [`ALL`] from one list of
/// `Variant = "code.text", effect, "meaning";`.
macro_rules! reasons {
    ($($variant:ident = $code:literal, $effect:expr, $meaning:literal;)*) => {
        /// A reason code the verifier gives: one per row of `docs/bundle-format.md`
        /// §13. Its [`code`](Code::code) is the stable text reports carry.
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = concat!("`", $code, "`: ", $meaning)]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in the order of [`ALL`].
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code text (`signature.invalid`), as in reports and
            /// transcripts.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The code, what it does and what it means.
            pub const fn reason(self) -> &'static Reason {
                match self {
                    $(Code::$variant => {
                        const R: Reason = Reason {
                            code: $code,
                            effect: $effect,
                            meaning: $meaning,
                        };
                        &R
                    })*
                }
            }
        }

        /// Every reason code the crate can give, in the order of [`Code::ALL`].
        pub const ALL: &[Reason] = &[$(Reason {
            code: $code,
            effect: $effect,
            meaning: $meaning,
        }),*];
    };
}

// The one list of reason codes.
reasons! {
    BundleTooLarge = "bundle.too_large", Effect::Refused,
        "The bundle is larger than the verifier accepts.";
    BundleTooManyEvents = "bundle.too_many_events", Effect::Refused,
        "The bundle has more events than the verifier accepts.";
    BundleMalformed = "bundle.malformed", Effect::Refused,
        "The file is not a Custody bundle (not JSON of the bundle's shape).";
    BundleUnsupportedVersion = "bundle.unsupported_version", Effect::Refused,
        "The bundle is of a format version this verifier does not know.";
    EnvelopeMalformed = "envelope.malformed", Effect::Refused,
        "An envelope is not a DSSE envelope.";
    EnvelopeNoSignatures = "envelope.no_signatures", Effect::Status(Status::Tampered),
        "An envelope carries no signature.";
    EnvelopePayloadBadBase64 = "envelope.payload_bad_base64", Effect::Status(Status::Tampered),
        "An envelope's payload is not base64, so there are no signed bytes to check.";
    EnvelopeWrongPayloadType = "envelope.wrong_payload_type", Effect::Status(Status::Tampered),
        "An envelope's payloadType is not the one its place in the bundle requires.";
    SignatureBadBase64 = "signature.bad_base64", Effect::Status(Status::Tampered),
        "A signature is not base64.";
    SignatureWrongLength = "signature.wrong_length", Effect::Status(Status::Tampered),
        "A signature is not 64 bytes long.";
    SignatureInvalid = "signature.invalid", Effect::Status(Status::Tampered),
        "A signature does not verify with the key it names: the signed bytes were altered or signed by another key.";
    SignatureKeyidMismatch = "signature.keyid_mismatch", Effect::Status(Status::VerifiedWithWarnings),
        "A signature verified with a different key than its keyid hint names.";
    KeyNotGiven = "key.not_given", Effect::Refused,
        "No public key was given.";
    KeyMalformed = "key.malformed", Effect::Refused,
        "A public key could not be read.";
    PayloadMalformed = "payload.malformed", Effect::Status(Status::Malformed),
        "A signed payload is not a valid statement of its type.";
    PayloadTooLarge = "payload.too_large", Effect::Status(Status::Malformed),
        "A signed payload is larger than the verifier accepts.";
    BindingMalformed = "binding.malformed", Effect::Status(Status::Malformed),
        "A binding signed by a trusted root cannot be read.";
    RevocationMalformed = "revocation.malformed", Effect::Status(Status::Malformed),
        "A revocation signed by a trusted root cannot be read.";
    TrustKeyNotCertified = "trust.key_not_certified", Effect::Status(Status::Untrusted),
        "The signing key is not certified by any trusted root.";
    TrustSubjectMismatch = "trust.subject_mismatch", Effect::Status(Status::Untrusted),
        "The signing key is certified, but for another identity than the event's emitter.";
    TrustOutsideValidity = "trust.outside_validity", Effect::Status(Status::Untrusted),
        "The signing key was used outside the validity window of its certification.";
    TrustKeyRevoked = "trust.key_revoked", Effect::Status(Status::Untrusted),
        "The signing key was revoked at or before the event's time.";
    TrustBindingNotSignedByTrustedRoot = "trust.binding_not_signed_by_trusted_root", Effect::Status(Status::Untrusted),
        "A binding in the bundle is not signed by any trusted root.";
    TrustRevocationNotSignedByTrustedRoot = "trust.revocation_not_signed_by_trusted_root", Effect::Status(Status::Untrusted),
        "A revocation in the bundle is not signed by any trusted root.";
    TrustManifestNotCertified = "trust.manifest_not_certified", Effect::Status(Status::Untrusted),
        "The manifest is not signed by a key a trusted root certified for its collector at its issue time (uncertified, for another identity, outside its validity, or revoked).";
    TrustNotChecked = "trust.not_checked", Effect::NotChecked,
        "Trust could not be checked.";
    IntegrityNotChecked = "integrity.not_checked", Effect::NotChecked,
        "The signature could not be checked.";
    ChainNotChecked = "chain.not_checked", Effect::NotChecked,
        "The event's place in its emitter's chain could not be checked.";
    ChainDuplicateEvent = "chain.duplicate_event", Effect::Status(Status::Tampered),
        "The same event appears twice.";
    ChainMissingStart = "chain.missing_start", Effect::Status(Status::Tampered),
        "An emitter's first event in the bundle does not start its chain: earlier events are missing.";
    ChainOutOfOrder = "chain.out_of_order", Effect::Status(Status::Tampered),
        "An event comes after a later event of the same emitter: events were reordered.";
    ChainSequenceGap = "chain.sequence_gap", Effect::Status(Status::Tampered),
        "Events of an emitter are missing between two of its events.";
    ChainLinkBroken = "chain.link_broken", Effect::Status(Status::Tampered),
        "An event does not name the digest of its emitter's previous event: an event was removed, inserted or replaced.";
    InclusionNotChecked = "inclusion.not_checked", Effect::NotChecked,
        "Inclusion under the manifest's Merkle root could not be checked.";
    ManifestUnreadable = "manifest.unreadable", Effect::Status(Status::Tampered),
        "The manifest cannot be read, so no event's inclusion could be checked.";
    ManifestSignatureInvalid = "manifest.signature_invalid", Effect::Status(Status::Tampered),
        "The manifest's signature does not verify: it was altered.";
    ManifestMalformed = "manifest.malformed", Effect::Status(Status::Malformed),
        "The manifest is not a valid manifest.";
    ManifestEventCountMismatch = "manifest.event_count_mismatch", Effect::Status(Status::Tampered),
        "The bundle has a different number of events than its manifest says: events were added or removed.";
    ManifestRootMismatch = "manifest.root_mismatch", Effect::Status(Status::Tampered),
        "The events do not hash to the manifest's Merkle root: events were changed, added, removed or reordered, or the manifest belongs to other events.";
    ManifestTimeRangeMismatch = "manifest.time_range_mismatch", Effect::Status(Status::Tampered),
        "An event's time lies outside the manifest's time range.";
    ManifestStatementsMismatch = "manifest.statements_mismatch", Effect::Status(Status::Tampered),
        "The bindings and revocations differ from those the manifest covers: one was removed, added or changed after the bundle was assembled.";
    EventDuplicateId = "event.duplicate_id", Effect::Status(Status::VerifiedWithWarnings),
        "Two events share an id, so references to it are ambiguous.";
    ChainNotInExcerpt = "chain.not_in_excerpt", Effect::NotChecked,
        "The emitter's previous event is not in the excerpt, so this event's chain link could not be checked.";
    ExcerptTooLarge = "excerpt.too_large", Effect::Refused,
        "The excerpt is larger, or has more events, than the verifier accepts.";
    ExcerptMalformed = "excerpt.malformed", Effect::Refused,
        "The file is not a Custody excerpt (not JSON of the excerpt's shape, or its positions do not increase).";
    ExcerptUnsupportedVersion = "excerpt.unsupported_version", Effect::Refused,
        "The excerpt is of a format version this verifier does not know.";
    ExcerptEmptySelection = "excerpt.empty_selection", Effect::Refused,
        "No event was chosen for the excerpt.";
    ExcerptDuplicatePosition = "excerpt.duplicate_position", Effect::Refused,
        "The same event was chosen twice for the excerpt.";
    ExcerptPositionOutOfRange = "excerpt.position_out_of_range", Effect::Status(Status::Tampered),
        "The event's position is not inside the bundle: the bundle has fewer events.";
    ExcerptProofInvalid = "excerpt.proof_invalid", Effect::Status(Status::Tampered),
        "The event's inclusion proof does not lead to the manifest's Merkle root: the event is not the one at this position of the signed bundle (it was changed, moved, or taken from elsewhere), or the proof was altered.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_shaped_as_codes() {
        for (i, reason) in ALL.iter().enumerate() {
            assert!(
                ALL.iter()
                    .skip(i + 1)
                    .all(|other| other.code != reason.code),
                "{} is listed twice",
                reason.code
            );
            let (area, name) = reason.code.split_once('.').unwrap_or_default();
            assert!(!area.is_empty() && !name.is_empty(), "{}", reason.code);
            assert!(!reason.meaning.is_empty(), "{}", reason.code);
        }
    }

    #[test]
    fn the_enum_and_the_table_are_the_same_list() {
        assert_eq!(Code::ALL.len(), ALL.len());
        for (code, reason) in Code::ALL.iter().zip(ALL) {
            assert_eq!(code.reason(), reason);
            assert_eq!(code.code(), reason.code);
            assert_eq!(code.to_string(), reason.code);
            assert_eq!(Code::from_code(reason.code), Some(*code));
        }
    }

    #[test]
    fn every_effect_but_a_verified_status_is_listed_and_used() {
        for effect in Effect::ALL {
            assert!(
                ALL.iter().any(|r| r.effect == effect),
                "no reason has effect {effect:?}"
            );
        }
        for reason in ALL {
            assert!(Effect::ALL.contains(&reason.effect), "{}", reason.code);
        }
    }

    #[test]
    fn find_gives_the_listed_reason_and_nothing_for_others() {
        assert_eq!(
            find("signature.invalid").map(|r| r.effect),
            Some(Effect::Status(Status::Tampered))
        );
        assert_eq!(find("no.such_code"), None);
        assert_eq!(Code::from_code("no.such_code"), None);
    }
}
