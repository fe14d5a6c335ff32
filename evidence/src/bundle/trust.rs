//! Trust (sections 10.2, 10.3, 11.2 and 11.3 of `docs/bundle-format.md`): the
//! bindings and revocations a trusted root signed, the candidate keys an event's
//! signature is tried against, and whether a key is certified for an identity at a
//! time.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::{keyid, Check, Limits, Reasons, BINDING_TYPE, FLAT, REVOCATION_TYPE};
use crate::dsse::{self, WireEnvelope};
use crate::json;
use crate::keys::PublicKey;
use crate::reason::Code;
use crate::time::parse as parse_time;

/// A key certification read from a binding signed by a trusted root.
pub(crate) struct Binding {
    pub(super) key: PublicKey,
    pub(super) subject: String,
    pub(super) not_before: DateTime<Utc>,
    pub(super) not_after: DateTime<Utc>,
}

/// What the trust checks need, read from a bundle's bindings and revocations
/// (sections 10.2, 10.3, 11.2 and 11.3 of `docs/bundle-format.md`).
pub(crate) struct Trust {
    /// Bindings certified by a trusted root.
    pub(super) bindings: Vec<Binding>,
    /// The candidate keys: every key a readable binding names, in binding order.
    pub(super) keys: Vec<PublicKey>,
    /// The keyid of each candidate key.
    pub(super) keyids: Vec<String>,
    /// Per candidate key: whether a trusted root certified it.
    pub(super) certified: Vec<bool>,
    /// Revocations signed by a trusted root: key → time from which it is revoked.
    pub(super) revocations: Vec<(PublicKey, DateTime<Utc>)>,
}

impl Trust {
    pub(crate) fn read(
        bindings: &[WireEnvelope<'_>],
        revocations: &[WireEnvelope<'_>],
        roots: &[PublicKey],
        limits: &Limits,
        reasons: &mut Reasons,
    ) -> Trust {
        let (bindings, keys) = read_bindings(bindings, roots, limits, reasons);
        let revocations = read_revocations(revocations, roots, limits, reasons);
        let keyids = keys.iter().map(keyid).collect();
        // Keys a trusted root certified. Only these are tried without a keyid naming
        // them: anyone can add uncertified bindings, and trying each against each
        // event would let a bundle cost time quadratic in its size.
        let certified = keys
            .iter()
            .map(|k| bindings.iter().any(|b| b.key == *k))
            .collect();
        Trust {
            bindings,
            keys,
            keyids,
            certified,
            revocations,
        }
    }

    pub(super) fn known(&self) -> Known<'_> {
        Known {
            keys: &self.keys,
            certified: &self.certified,
            bindings: &self.bindings,
            revocations: &self.revocations,
        }
    }
}

/// Bindings certified by a trusted root, and every key any binding names (the keys
/// an event's signature is tried against: `keyid` is only a hint).
fn read_bindings(
    envelopes: &[WireEnvelope<'_>],
    roots: &[PublicKey],
    limits: &Limits,
    reasons: &mut Reasons,
) -> (Vec<Binding>, Vec<PublicKey>) {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Payload {
        key: String,
        subject: String,
        not_before: String,
        not_after: String,
    }
    let mut bindings = Vec::new();
    let mut keys = Vec::new();
    for envelope in envelopes {
        let Some((payload, trusted)) =
            open_signed_by_root(envelope, BINDING_TYPE, roots, limits, reasons)
        else {
            continue;
        };
        let read = serde_json::from_value::<Payload>(payload)
            .ok()
            .and_then(|p| {
                match (
                    PublicKey::from_text(&p.key),
                    parse_time(&p.not_before),
                    parse_time(&p.not_after),
                ) {
                    (Ok(key), Some(not_before), Some(not_after)) => {
                        Some((key, p.subject, not_before, not_after))
                    }
                    _ => None,
                }
            });
        let Some((key, subject, not_before, not_after)) = read else {
            if trusted {
                reasons.unreadable(Code::BindingMalformed);
            }
            continue;
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
        if trusted {
            bindings.push(Binding {
                key,
                subject,
                not_before,
                not_after,
            });
        }
    }
    (bindings, keys)
}

/// Revocations signed by a trusted root: key → time from which it is revoked.
fn read_revocations(
    envelopes: &[WireEnvelope<'_>],
    roots: &[PublicKey],
    limits: &Limits,
    reasons: &mut Reasons,
) -> Vec<(PublicKey, DateTime<Utc>)> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Payload {
        key: String,
        revoked_at: String,
    }
    let mut out = Vec::new();
    for envelope in envelopes {
        let Some((payload, true)) =
            open_signed_by_root(envelope, REVOCATION_TYPE, roots, limits, reasons)
        else {
            continue;
        };
        match serde_json::from_value::<Payload>(payload) {
            Ok(p) => match (PublicKey::from_text(&p.key), parse_time(&p.revoked_at)) {
                (Ok(key), Some(at)) => out.push((key, at)),
                _ => reasons.unreadable(Code::RevocationMalformed),
            },
            Err(_) => reasons.unreadable(Code::RevocationMalformed),
        }
    }
    out
}

/// The payload of a root-signed envelope and whether a trusted root signed it.
/// A signature by no trusted root makes the statement untrusted, not tampered:
/// the verifier cannot tell a forgery from another organisation's root.
fn open_signed_by_root(
    envelope: &WireEnvelope<'_>,
    payload_type: &str,
    roots: &[PublicKey],
    limits: &Limits,
    reasons: &mut Reasons,
) -> Option<(Value, bool)> {
    if envelope.payload_type != payload_type {
        reasons.tamper(Code::EnvelopeWrongPayloadType);
        return None;
    }
    let verified = roots
        .iter()
        .find_map(|root| dsse::check(envelope, Some(root)).ok());
    let trusted = verified.is_some();
    let payload = match verified {
        Some(v) => v.payload().to_vec(),
        None => {
            reasons.distrust(if payload_type == BINDING_TYPE {
                Code::TrustBindingNotSignedByTrustedRoot
            } else {
                Code::TrustRevocationNotSignedByTrustedRoot
            });
            // Read the payload anyway, only to learn which key it names, so events by
            // that key are reported as untrusted rather than unknown. What no trusted
            // root signed is evidence of nothing: if it cannot be read, it is ignored.
            let payload = crate::b64::decode(&envelope.payload)?;
            if payload.len() > limits.max_payload_bytes {
                return None;
            }
            if !json::has_shape(&payload, &FLAT) {
                return None;
            }
            return json::parse(&payload, limits.max_depth)
                .ok()
                .map(|v| (v, false));
        }
    };
    if payload.len() > limits.max_payload_bytes {
        reasons.unreadable(Code::PayloadTooLarge);
        return None;
    }
    if !json::has_shape(&payload, &FLAT) {
        reasons.unreadable(Code::PayloadMalformed);
        return None;
    }
    match json::parse(&payload, limits.max_depth) {
        Ok(v) => Some((v, trusted)),
        Err(_) => {
            reasons.unreadable(Code::PayloadMalformed);
            None
        }
    }
}

/// The keys an event may be signed with, and what the trust check weighs them against.
#[derive(Clone, Copy)]
pub(super) struct Known<'a> {
    pub(super) keys: &'a [PublicKey],
    /// Per key: whether a trusted root certified it.
    pub(super) certified: &'a [bool],
    pub(super) bindings: &'a [Binding],
    pub(super) revocations: &'a [(PublicKey, DateTime<Utc>)],
}

pub(super) fn trust_check(
    key: &PublicKey,
    subject: &str,
    time: DateTime<Utc>,
    bindings: &[Binding],
    revocations: &[(PublicKey, DateTime<Utc>)],
) -> Check {
    let for_key = || bindings.iter().filter(|b| b.key == *key);
    if for_key().next().is_none() {
        return Check::Fail(Code::TrustKeyNotCertified.code());
    }
    let for_subject = || for_key().filter(|b| b.subject == subject);
    if for_subject().next().is_none() {
        return Check::Fail(Code::TrustSubjectMismatch.code());
    }
    if !for_subject().any(|b| b.not_before <= time && time < b.not_after) {
        return Check::Fail(Code::TrustOutsideValidity.code());
    }
    if revocations.iter().any(|(k, at)| k == key && *at <= time) {
        return Check::Fail(Code::TrustKeyRevoked.code());
    }
    Check::Pass
}
