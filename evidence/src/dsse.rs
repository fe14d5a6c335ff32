//! DSSE v1 envelopes: parsing, the pre-authentication encoding, and verification.
//!
//! An envelope is JSON: `{"payloadType": "...", "payload": "<base64>", "signatures":
//! [{"keyid": "...", "sig": "<base64>"}]}`. Each signature is over
//! [`pae`]`(payloadType, payload bytes)`: the payload exactly as decoded from the
//! envelope, never re-serialized. The payload is handed out only from a
//! [`VerifiedEnvelope`], which only [`verify`] makes, so no caller can read the
//! payload of an envelope whose signature was not checked.
//!
//! `keyid` is a hint and never decides trust: every signature is tried against the
//! given key, whatever its `keyid` says.

use serde::Deserialize;

use crate::b64;
use crate::keys::{self, KeyError, PublicKey, SignatureError};
use crate::reason::Code;

/// The pre-authentication encoding that DSSE signs:
/// `"DSSEv1" SP len(type) SP type SP len(body) SP body`, lengths as ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let type_len = payload_type.len().to_string();
    let body_len = payload.len().to_string();
    let mut out = Vec::with_capacity(
        "DSSEv1".len() + 4 + type_len.len() + payload_type.len() + body_len.len() + payload.len(),
    );
    for part in [
        b"DSSEv1".as_slice(),
        b" ",
        type_len.as_bytes(),
        b" ",
        payload_type.as_bytes(),
        b" ",
        body_len.as_bytes(),
        b" ",
        payload,
    ] {
        out.extend_from_slice(part);
    }
    out
}

/// Why an envelope did not verify. Each variant has a stable [`Reason::code`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    /// The envelope is not JSON of the DSSE shape: not JSON, a field missing or of the
    /// wrong type, an unknown field, or a field given twice.
    #[error("the envelope is not a DSSE envelope: {0}")]
    MalformedEnvelope(String),
    /// The envelope has an empty `signatures` list.
    #[error("the envelope has no signatures")]
    NoSignatures,
    /// The `payload` field is not base64.
    #[error("the payload is not valid base64")]
    PayloadBadBase64,
    /// A `sig` field is not base64.
    #[error("signature {index} is not valid base64")]
    SignatureBadBase64 {
        /// Position of the signature in the envelope, from 0.
        index: usize,
    },
    /// A signature decodes to other than 64 bytes.
    #[error("signature {index} is {len} bytes; an ed25519 signature is 64 bytes")]
    SignatureWrongLength {
        /// Position of the signature in the envelope, from 0.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// No signature verifies with the given key over the envelope's PAE bytes.
    #[error("no signature verifies with the given key: the envelope was altered or signed by another key")]
    SignatureInvalid,
    /// No public key was given to verify with.
    #[error("no public key was given")]
    KeyNotGiven,
    /// The public key given could not be read.
    #[error("the public key is not usable: {0}")]
    MalformedKey(KeyError),
}

impl Reason {
    /// The stable, documented code of this reason (see `docs/bundle-format.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::MalformedEnvelope(_) => Code::EnvelopeMalformed.code(),
            Reason::NoSignatures => Code::EnvelopeNoSignatures.code(),
            Reason::PayloadBadBase64 => Code::EnvelopePayloadBadBase64.code(),
            Reason::SignatureBadBase64 { .. } => Code::SignatureBadBase64.code(),
            Reason::SignatureWrongLength { .. } => Code::SignatureWrongLength.code(),
            Reason::SignatureInvalid => Code::SignatureInvalid.code(),
            Reason::KeyNotGiven => Code::KeyNotGiven.code(),
            Reason::MalformedKey(_) => Code::KeyMalformed.code(),
        }
    }
}

/// An envelope one of whose signatures verified with the given key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedEnvelope {
    payload_type: String,
    payload: Vec<u8>,
    signature_index: usize,
    keyid: Option<String>,
}

impl VerifiedEnvelope {
    /// The envelope's `payloadType`.
    pub fn payload_type(&self) -> &str {
        &self.payload_type
    }
    /// The payload bytes, exactly as signed.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
    /// Which signature verified, from 0.
    pub fn signature_index(&self) -> usize {
        self.signature_index
    }
    /// The `keyid` hint of the signature that verified, if it had one.
    pub fn keyid(&self) -> Option<&str> {
        self.keyid.as_deref()
    }
}

/// The envelope as it is on the wire; base64 is decoded only in [`verify`].
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct WireEnvelope<'a> {
    #[serde(borrow)]
    pub(crate) payload_type: std::borrow::Cow<'a, str>,
    /// Borrowed from the input where it has no escapes: payloads are most of a bundle.
    #[serde(borrow)]
    pub(crate) payload: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) signatures: Vec<WireSignature<'a>>,
}

impl WireEnvelope<'_> {
    /// The same envelope, owning its payload text.
    pub(crate) fn into_owned(self) -> WireEnvelope<'static> {
        WireEnvelope {
            payload_type: std::borrow::Cow::Owned(self.payload_type.into_owned()),
            payload: std::borrow::Cow::Owned(self.payload.into_owned()),
            signatures: self
                .signatures
                .into_iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.map(|k| std::borrow::Cow::Owned(k.into_owned())),
                    sig: std::borrow::Cow::Owned(s.sig.into_owned()),
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireSignature<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub(crate) keyid: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) sig: std::borrow::Cow<'a, str>,
}

/// Verifies the DSSE envelope `envelope` (JSON bytes) with `key`.
///
/// The envelope verifies when at least one of its signatures verifies strictly with
/// `key` over the PAE of its payload type and payload. When none does, the reason is
/// that of the first signature that failed, unless signatures failed for different
/// reasons, in which case it is [`Reason::SignatureInvalid`]. Checks happen in this
/// order: envelope shape, key, payload encoding, signatures.
pub fn verify(envelope: &[u8], key: Option<&PublicKey>) -> Result<VerifiedEnvelope, Reason> {
    let shape = crate::json::Shape {
        arrays: &["signatures"],
        free: &[],
    };
    if let Some(why) = crate::json::shape_problem(envelope, &shape, "envelope") {
        return Err(Reason::MalformedEnvelope(why));
    }
    let wire: WireEnvelope =
        serde_json::from_slice(envelope).map_err(|e| Reason::MalformedEnvelope(e.to_string()))?;
    check(&wire, key)
}

/// [`verify`] for an envelope already read from JSON (as part of a bundle).
pub(crate) fn check(
    wire: &WireEnvelope<'_>,
    key: Option<&PublicKey>,
) -> Result<VerifiedEnvelope, Reason> {
    if wire.signatures.is_empty() {
        return Err(Reason::NoSignatures);
    }
    let key = key.ok_or(Reason::KeyNotGiven)?;
    let payload = b64::decode(&wire.payload).ok_or(Reason::PayloadBadBase64)?;
    let message = pae(&wire.payload_type, &payload);

    let mut first_failure: Option<Reason> = None;
    let mut failures_differ = false;
    for (index, signature) in wire.signatures.iter().enumerate() {
        let failure = match b64::decode(&signature.sig) {
            None => Reason::SignatureBadBase64 { index },
            Some(sig) => match keys::verify_strict(key, &message, &sig) {
                Ok(()) => {
                    return Ok(VerifiedEnvelope {
                        payload_type: wire.payload_type.clone().into_owned(),
                        payload,
                        signature_index: index,
                        keyid: signature.keyid.as_deref().map(str::to_owned),
                    })
                }
                Err(SignatureError::WrongLength(len)) => {
                    Reason::SignatureWrongLength { index, len }
                }
                Err(SignatureError::Invalid) => Reason::SignatureInvalid,
            },
        };
        match &first_failure {
            None => first_failure = Some(failure),
            Some(first) if std::mem::discriminant(first) != std::mem::discriminant(&failure) => {
                failures_differ = true
            }
            Some(_) => {}
        }
    }
    match first_failure {
        Some(reason) if !failures_differ => Err(reason),
        _ => Err(Reason::SignatureInvalid),
    }
}

/// Verifies `envelope` with a key given as text (hex, base64 or PEM), as the Verify
/// page receives both. An empty key text is [`Reason::KeyNotGiven`].
pub fn verify_with_key_text(envelope: &[u8], key_text: &str) -> Result<VerifiedEnvelope, Reason> {
    let key = match PublicKey::from_text(key_text) {
        Ok(key) => Some(key),
        Err(KeyError::Empty) => None,
        Err(e) => return Err(Reason::MalformedKey(e)),
    };
    verify(envelope, key.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::keyid;
    use crate::producer::Signer;

    fn seeded(seed: u8) -> Signer {
        Signer::from_seed([seed; 32])
    }

    /// An envelope's JSON from already-encoded parts: for building malformed envelopes.
    fn envelope_json(
        payload_type: &str,
        payload_b64: &str,
        signatures: &[(Option<String>, String)],
    ) -> String {
        let signatures: Vec<serde_json::Value> = signatures
            .iter()
            .map(|(keyid, sig)| match keyid {
                Some(keyid) => serde_json::json!({ "keyid": keyid, "sig": sig }),
                None => serde_json::json!({ "sig": sig }),
            })
            .collect();
        serde_json::json!({ "payloadType": payload_type, "payload": payload_b64, "signatures": signatures })
            .to_string()
    }

    #[test]
    fn pae_matches_the_dsse_protocol_example() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn pae_of_empty_type_and_body() {
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn a_signed_envelope_verifies_and_yields_its_payload() {
        let signer = seeded(1);
        let env = signer.envelope_json("application/vnd.custody.event+json", b"{\"a\":1}");
        let verified = verify(env.as_bytes(), Some(&signer.public_key())).unwrap();
        assert_eq!(verified.payload(), b"{\"a\":1}");
        assert_eq!(
            verified.payload_type(),
            "application/vnd.custody.event+json"
        );
        assert_eq!(verified.signature_index(), 0);
        assert_eq!(verified.keyid(), Some(keyid(&signer.public_key()).as_str()));
    }

    #[test]
    fn url_safe_unpadded_base64_is_accepted() {
        let signer = seeded(2);
        let ty = "t";
        let payload = b"\xfb\xff\xbf payload";
        let sig = signer.sign(&pae(ty, payload));
        let url = |b: &[u8]| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
        };
        let env = envelope_json(ty, &url(payload), &[(None, url(&sig))]);
        assert!(verify(env.as_bytes(), Some(&signer.public_key())).is_ok());
    }

    #[test]
    fn every_way_an_envelope_fails_has_its_own_reason() {
        let signer = seeded(3);
        let other = seeded(4);
        let key = signer.public_key();
        let good_sig = crate::b64::encode(&signer.sign(&pae("t", b"body")));
        let body = crate::b64::encode(b"body");
        let cases: Vec<(&str, String, Option<PublicKey>, &str)> = vec![
            ("not json", "{".into(), Some(key), "envelope.malformed"),
            (
                "missing field",
                r#"{"payloadType":"t","signatures":[]}"#.into(),
                Some(key),
                "envelope.malformed",
            ),
            (
                "duplicate key",
                format!(
                    r#"{{"payloadType":"t","payloadType":"u","payload":"{body}","signatures":[{{"sig":"{good_sig}"}}]}}"#
                ),
                Some(key),
                "envelope.malformed",
            ),
            (
                "unknown field",
                format!(r#"{{"payloadType":"t","payload":"{body}","signatures":[],"x":1}}"#),
                Some(key),
                "envelope.malformed",
            ),
            (
                "no signatures",
                envelope_json("t", &body, &[]),
                Some(key),
                "envelope.no_signatures",
            ),
            (
                "no key",
                envelope_json("t", &body, &[(None, good_sig.clone())]),
                None,
                "key.not_given",
            ),
            (
                "payload not base64",
                envelope_json("t", "b*dy", &[(None, good_sig.clone())]),
                Some(key),
                "envelope.payload_bad_base64",
            ),
            (
                "sig not base64",
                envelope_json("t", &body, &[(None, "%%%".into())]),
                Some(key),
                "signature.bad_base64",
            ),
            (
                "sig short",
                envelope_json("t", &body, &[(None, crate::b64::encode(&[1u8; 63]))]),
                Some(key),
                "signature.wrong_length",
            ),
            (
                "payload changed",
                envelope_json(
                    "t",
                    &crate::b64::encode(b"bodz"),
                    &[(None, good_sig.clone())],
                ),
                Some(key),
                "signature.invalid",
            ),
            (
                "type changed",
                envelope_json("u", &body, &[(None, good_sig.clone())]),
                Some(key),
                "signature.invalid",
            ),
            (
                "other key",
                envelope_json("t", &body, &[(None, good_sig.clone())]),
                Some(other.public_key()),
                "signature.invalid",
            ),
        ];
        for (name, env, key, code) in cases {
            let got = verify(env.as_bytes(), key.as_ref());
            assert_eq!(
                got.as_ref().err().map(Reason::code),
                Some(code),
                "{name}: {got:?}"
            );
        }
    }

    #[test]
    fn keyid_is_only_a_hint_any_signature_may_verify() {
        let signer = seeded(5);
        let other = seeded(6);
        let msg = pae("t", b"x");
        let env = envelope_json(
            "t",
            &crate::b64::encode(b"x"),
            &[
                // Claims to be the signer's key, but is signed by another key.
                (
                    Some(keyid(&signer.public_key())),
                    crate::b64::encode(&other.sign(&msg)),
                ),
                (
                    Some("misleading".into()),
                    crate::b64::encode(&signer.sign(&msg)),
                ),
            ],
        );
        let verified = verify(env.as_bytes(), Some(&signer.public_key())).unwrap();
        assert_eq!(verified.signature_index(), 1);
        assert_eq!(verified.keyid(), Some("misleading"));
    }

    #[test]
    fn signatures_failing_for_different_reasons_give_signature_invalid() {
        let signer = seeded(7);
        let env = envelope_json(
            "t",
            &crate::b64::encode(b"x"),
            &[(None, "%%".into()), (None, crate::b64::encode(&[0u8; 64]))],
        );
        assert_eq!(
            verify(env.as_bytes(), Some(&signer.public_key())),
            Err(Reason::SignatureInvalid)
        );
    }

    #[test]
    fn key_text_errors_are_reported_before_the_signature_is_checked() {
        let signer = seeded(8);
        let env = signer.envelope_json("t", b"x");
        assert_eq!(
            verify_with_key_text(env.as_bytes(), " \n"),
            Err(Reason::KeyNotGiven)
        );
        assert_eq!(
            verify_with_key_text(env.as_bytes(), "zz"),
            Err(Reason::MalformedKey(KeyError::Unreadable))
        );
        assert!(verify_with_key_text(env.as_bytes(), &signer.public_key().to_hex()).is_ok());
    }
}
