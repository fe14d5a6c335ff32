//! The manifest (sections 6.3 and 11.6 of `docs/bundle-format.md`): its signature,
//! its certification, and what it claims of the events and statements checked
//! against them.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::trust::{trust_check, Trust};
use super::{
    envelope_digest, keyid, Check, EventReport, Limits, Reasons, WireBundle, FLAT, MANIFEST_TYPE,
};
use crate::dsse::{self, WireEnvelope};
use crate::json;
use crate::keys::PublicKey;
use crate::merkle;
use crate::reason::Code;
use crate::time::parse as parse_time;

/// What a manifest that verified and could be read claims (section 6.3).
pub(crate) struct Claims {
    pub(crate) bundle_id: String,
    pub(crate) event_count: u64,
    pub(crate) time_from: String,
    pub(crate) time_to: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// As written; compared without regard to case.
    merkle_root: String,
    statements_root: String,
}

impl Claims {
    /// The Merkle root over the events, when it is hex for 32 bytes (in either case).
    pub(crate) fn merkle_root(&self) -> Option<merkle::Hash> {
        let mut root = [0u8; 32];
        hex::decode_to_slice(&self.merkle_root, &mut root)
            .ok()
            .map(|()| root)
    }
}

/// Section 11.6 steps 1 to 5: the manifest's type, its key among the candidate keys,
/// its payload read and its certification. `Err` holds the code every event's
/// inclusion is unknown with when the manifest cannot be used.
pub(crate) fn open_manifest(
    envelope: &WireEnvelope<'_>,
    trust: &Trust,
    limits: &Limits,
    reasons: &mut Reasons,
) -> Result<Claims, Code> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Payload {
        bundle_id: String,
        collector: String,
        event_count: u64,
        time_from: String,
        time_to: String,
        merkle_root: String,
        statements_root: String,
        issued_at: String,
    }
    let Trust {
        keys,
        bindings,
        revocations,
        ..
    } = trust;
    if envelope.payload_type != MANIFEST_TYPE {
        reasons.tamper(Code::EnvelopeWrongPayloadType);
        return Err(Code::ManifestUnreadable);
    }
    // As for events: the keys the keyids name, then the keys a trusted root certified.
    let named = |k: &PublicKey| {
        let id = keyid(k);
        envelope
            .signatures
            .iter()
            .any(|s| s.keyid.as_deref() == Some(id.as_str()))
    };
    let certified = |k: &PublicKey| bindings.iter().any(|b| b.key == *k);
    let Some((verified, key)) = keys
        .iter()
        .filter(|k| named(k))
        .chain(keys.iter().filter(|k| !named(k) && certified(k)))
        .find_map(|k| dsse::check(envelope, Some(k)).ok().map(|v| (v, *k)))
    else {
        // A keyid naming a bound key whose signature fails means altered bytes; a
        // signature by no bound key can only be said to be uncertified.
        let hint_known = envelope.signatures.iter().any(|s| {
            keys.iter()
                .any(|k| s.keyid.as_deref() == Some(keyid(k).as_str()))
        });
        return Err(if hint_known {
            reasons.tamper(Code::ManifestSignatureInvalid);
            Code::ManifestSignatureInvalid
        } else {
            reasons.distrust(Code::TrustManifestNotCertified);
            Code::TrustManifestNotCertified
        });
    };
    if verified.payload().len() > limits.max_payload_bytes {
        reasons.unreadable(Code::PayloadTooLarge);
        return Err(Code::PayloadTooLarge);
    }
    let payload = json::has_shape(verified.payload(), &FLAT)
        .then(|| json::parse(verified.payload(), limits.max_depth).ok())
        .flatten()
        .and_then(|v| serde_json::from_value::<Payload>(v).ok());
    let Some(m) = payload else {
        reasons.unreadable(Code::ManifestMalformed);
        return Err(Code::ManifestMalformed);
    };
    let (Some(issued), Some(from), Some(to)) = (
        parse_time(&m.issued_at),
        parse_time(&m.time_from),
        parse_time(&m.time_to),
    ) else {
        reasons.unreadable(Code::ManifestMalformed);
        return Err(Code::ManifestMalformed);
    };
    if trust_check(&key, &m.collector, issued, bindings, revocations) != Check::Pass {
        reasons.distrust(Code::TrustManifestNotCertified);
    }
    Ok(Claims {
        bundle_id: m.bundle_id,
        event_count: m.event_count,
        time_from: m.time_from,
        time_to: m.time_to,
        from,
        to,
        merkle_root: m.merkle_root,
        statements_root: m.statements_root,
    })
}

/// Section 11.6 step 7: the bindings and revocations the collector assembled, in
/// order. Removing a revocation (or adding a statement) after the manifest was
/// signed is tampering.
pub(crate) fn check_statements(
    bindings: &[WireEnvelope<'_>],
    revocations: &[WireEnvelope<'_>],
    claims: &Claims,
    reasons: &mut Reasons,
) {
    let statements: Vec<merkle::Hash> = bindings
        .iter()
        .chain(revocations)
        .map(|e| merkle::leaf_hash(&envelope_digest(e)))
        .collect();
    if hex::encode(merkle::root(&statements)) != claims.statements_root.to_ascii_lowercase() {
        reasons.tamper(Code::ManifestStatementsMismatch);
    }
}

/// Section 11.6 step 9: every event time read lies within the manifest's range.
pub(crate) fn check_times(times: &[Option<DateTime<Utc>>], claims: &Claims, reasons: &mut Reasons) {
    if times
        .iter()
        .flatten()
        .any(|t| *t < claims.from || *t > claims.to)
    {
        reasons.tamper(Code::ManifestTimeRangeMismatch);
    }
}

/// Section 11.6 over a whole bundle: the manifest read, then its event count, its
/// statements root, its Merkle root over every event and its time range.
pub(super) fn check_manifest(
    wire: &WireBundle<'_>,
    trust: &Trust,
    limits: &Limits,
    leaves: &[merkle::Hash],
    times: &[Option<DateTime<Utc>>],
    events: &mut [EventReport],
    reasons: &mut Reasons,
) -> Option<Claims> {
    let set_inclusion = |events: &mut [EventReport], check: Check| {
        for e in events.iter_mut() {
            e.inclusion = check.clone();
        }
    };
    let claims = match open_manifest(&wire.manifest, trust, limits, reasons) {
        Ok(claims) => claims,
        Err(code) => {
            set_inclusion(events, Check::Unknown(code.code()));
            return None;
        }
    };
    if claims.event_count != leaves.len() as u64 {
        reasons.tamper(Code::ManifestEventCountMismatch);
    }
    check_statements(&wire.bindings, &wire.revocations, &claims, reasons);
    if hex::encode(merkle::root(leaves)) == claims.merkle_root.to_ascii_lowercase() {
        set_inclusion(events, Check::Pass);
    } else {
        reasons.tamper(Code::ManifestRootMismatch);
        set_inclusion(events, Check::Fail(Code::ManifestRootMismatch.code()));
    }
    check_times(times, &claims, reasons);
    Some(claims)
}
