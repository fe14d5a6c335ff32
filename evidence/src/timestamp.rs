//! RFC 3161 time-stamp tokens: a time-stamping authority's (TSA's) signed statement
//! that some bytes existed no later than a time. A bundle's tokens are over its
//! manifest's signature ([`crate::bundle::manifest_signature`]).
//!
//! [`verify`] checks a token (a CMS `SignedData` holding a `TSTInfo`) as RFC 3161 and
//! RFC 5652 say: the imprint is the hash of the bytes given; the signed attributes
//! hold the content type and the digest of the `TSTInfo`; the signature over them
//! verifies with the signer's certificate (RSA PKCS#1 v1.5 with SHA-256/384/512,
//! ECDSA P-256 with SHA-256, or Ed25519); that certificate is for time-stamping
//! (its extended key usage, critical), valid at the stamped time, and is, or chains
//! to, a certificate the verifier trusts. [`request`] and [`token_of`] are the two
//! halves of asking an authority for one.
//!
//! Signed attributes and certificates are checked as their DER re-encoding, which
//! RFC 5652 prescribes; a token that is not DER therefore fails its signature check,
//! never passes it.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

/// The object identifiers a time-stamp token and its certificates are read by.
pub mod oid {
    use der::asn1::ObjectIdentifier;

    /// CMS SignedData.
    pub const ID_SIGNED_DATA: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
    /// The TSTInfo content type (RFC 3161).
    pub const ID_CT_TSTINFO: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
    /// The content-type signed attribute.
    pub const ID_CONTENT_TYPE: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
    /// The message-digest signed attribute.
    pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
    /// SHA-256.
    pub const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// SHA-384.
    pub const SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// SHA-512.
    pub const SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
    /// rsaEncryption.
    pub const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    /// sha256WithRSAEncryption.
    pub const RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption.
    pub const RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
    /// sha512WithRSAEncryption.
    pub const RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
    /// ecdsa-with-SHA256.
    pub const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
    /// Ed25519.
    pub const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
    /// The extended key usage extension.
    pub const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
    /// The basic constraints extension.
    pub const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
    /// The timeStamping key purpose.
    pub const KP_TIME_STAMPING: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
}

use oid::*;

/// The longest certificate chain followed from the signer to a trusted certificate.
const MAX_CHAIN: usize = 4;

/// Why a token does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StampError {
    /// Not a time-stamp token, or a part of it does not read.
    #[error("not an RFC 3161 time-stamp token: {0}")]
    Malformed(String),
    /// The authority answered with no token.
    #[error("the time-stamping authority refused: status {0}")]
    Refused(u8),
    /// An algorithm this verifier does not check.
    #[error("unsupported algorithm {0}")]
    Unsupported(String),
    /// The token is over other bytes.
    #[error(
        "the token's message imprint is not the hash of these bytes: it stamps something else"
    )]
    Imprint,
    /// The signed attributes do not name and digest the `TSTInfo` (an altered time,
    /// serial or imprint shows here).
    #[error("the signed attributes do not match the TSTInfo: {0}")]
    Attributes(&'static str),
    /// The signature does not verify with the signer's certificate.
    #[error("the authority's signature does not verify with its certificate")]
    Signature,
    /// No certificate of the signer is in the token or trusted.
    #[error("the signer's certificate is neither in the token nor trusted")]
    NoSignerCertificate,
    /// The signer's certificate is not for time-stamping.
    #[error("the signer's certificate is not for time-stamping (no critical extended key usage timeStamping)")]
    NotForTimeStamping,
    /// A certificate of the chain is not valid at the stamped time.
    #[error(
        "the certificate of {subject} is not valid at {at} (valid {not_before} to {not_after})"
    )]
    Expired {
        /// Whose.
        subject: String,
        /// The stamped time.
        at: String,
        /// Its validity.
        not_before: String,
        /// Its validity.
        not_after: String,
    },
    /// The signer's certificate does not chain to a trusted one.
    #[error("the authority {0} is not trusted: its certificate does not chain to a trusted TSA certificate")]
    Untrusted(String),
}

fn malformed(e: impl std::fmt::Display) -> StampError {
    StampError::Malformed(e.to_string())
}

/// What a valid token says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Stamp {
    /// The authority, as its certificate's subject names it.
    pub tsa: String,
    /// The time stamped (RFC 3339, UTC, to the second).
    pub time: String,
    /// The token's serial number, hex.
    pub serial: String,
    /// The authority's policy.
    pub policy: String,
}

/// Trusted TSA certificates (roots, or the TSA's own), read from PEM.
#[derive(Clone, Debug, Default)]
pub struct TsaTrust {
    certs: Vec<Certificate>,
}

impl TsaTrust {
    /// Every `CERTIFICATE` block of `pem`; other text is passed over.
    pub fn from_pem(pem: &str) -> Result<TsaTrust, StampError> {
        let mut certs = Vec::new();
        let mut rest = pem;
        while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
            let after = rest.get(start + 27..).unwrap_or("");
            let end = after
                .find("-----END CERTIFICATE-----")
                .ok_or_else(|| malformed("a CERTIFICATE block has no end"))?;
            let body: String = after
                .get(..end)
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let der = crate::b64::decode(&body)
                .ok_or_else(|| malformed("a certificate is not base64"))?;
            certs.push(Certificate::from_der(&der).map_err(malformed)?);
            rest = after.get(end + 25..).unwrap_or("");
        }
        Ok(TsaTrust { certs })
    }

    /// How many certificates are trusted.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// The DER `TimeStampReq` asking for a token over `message` (SHA-256), with the
/// signer's certificate included, and `nonce`.
pub fn request(message: &[u8], mut nonce: [u8; 8]) -> Result<Vec<u8>, StampError> {
    // A positive INTEGER in its shortest form: the top bit clear, the first byte
    // never zero.
    nonce[0] = (nonce[0] & 0x7f) | 0x01;
    let req = TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: der::asn1::Any::null().into_algorithm(SHA256),
            hashed_message: OctetString::new(Sha256::digest(message).to_vec())
                .map_err(malformed)?,
        },
        req_policy: None,
        nonce: Some(Int::new(&nonce).map_err(malformed)?),
        cert_req: true,
        extensions: None,
    };
    req.to_der().map_err(malformed)
}

trait IntoAlgorithm {
    fn into_algorithm(self, oid: ObjectIdentifier) -> spki::AlgorithmIdentifier<der::asn1::Any>;
}

impl IntoAlgorithm for der::asn1::Any {
    fn into_algorithm(self, oid: ObjectIdentifier) -> spki::AlgorithmIdentifier<der::asn1::Any> {
        spki::AlgorithmIdentifier {
            oid,
            parameters: Some(self),
        }
    }
}

/// The token in an authority's DER `TimeStampResp`, when it granted one.
pub fn token_of(response: &[u8]) -> Result<Vec<u8>, StampError> {
    let resp = TimeStampResp::from_der(response).map_err(malformed)?;
    let status = resp.status.status as u8;
    if status > 1 {
        return Err(StampError::Refused(status));
    }
    resp.time_stamp_token
        .ok_or(StampError::Refused(status))?
        .to_der()
        .map_err(malformed)
}

fn hash(alg: &ObjectIdentifier, bytes: &[u8]) -> Result<Vec<u8>, StampError> {
    Ok(match *alg {
        SHA256 => Sha256::digest(bytes).to_vec(),
        SHA384 => Sha384::digest(bytes).to_vec(),
        SHA512 => Sha512::digest(bytes).to_vec(),
        other => return Err(StampError::Unsupported(format!("digest {other}"))),
    })
}

fn rfc3339(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || secs.to_string(),
            |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
}

/// Verifies `token` (DER) over `message` against `trust`.
pub fn verify(token: &[u8], message: &[u8], trust: &TsaTrust) -> Result<Stamp, StampError> {
    let info = ContentInfo::from_der(token).map_err(malformed)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(malformed("not CMS SignedData"));
    }
    let signed: SignedData = info.content.decode_as().map_err(malformed)?;
    if signed.encap_content_info.econtent_type != ID_CT_TSTINFO {
        return Err(malformed("the signed content is not a TSTInfo"));
    }
    let content = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| malformed("no TSTInfo"))?;
    let tst_der = OctetString::from_der(&content.to_der().map_err(malformed)?)
        .map_err(malformed)?
        .into_bytes();
    let tst = TstInfo::from_der(&tst_der).map_err(malformed)?;
    // The imprint: this token is over these bytes.
    let imprint = hash(&tst.message_imprint.hash_algorithm.oid, message)?;
    if tst.message_imprint.hashed_message.as_bytes() != imprint.as_slice() {
        return Err(StampError::Imprint);
    }
    let [signer] = signed.signer_infos.0.as_slice() else {
        return Err(malformed("a token has exactly one signer"));
    };
    // The signed attributes name the content and digest it.
    let attrs = signer
        .signed_attrs
        .as_ref()
        .ok_or(StampError::Attributes("there are none"))?;
    let value = |oid: ObjectIdentifier| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let content_type = value(ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or(StampError::Attributes("no content type"))?;
    if content_type != ID_CT_TSTINFO {
        return Err(StampError::Attributes("the content type is not TSTInfo"));
    }
    let digest = value(ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or(StampError::Attributes("no message digest"))?;
    if digest.as_bytes() != hash(&signer.digest_alg.oid, &tst_der)?.as_slice() {
        return Err(StampError::Attributes("the digest is not the TSTInfo's"));
    }
    let certs: Vec<&Certificate> = signed
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let signer_cert = certs
        .iter()
        .copied()
        .chain(trust.certs.iter())
        .find(|c| identifies(&signer.sid, c))
        .ok_or(StampError::NoSignerCertificate)?;
    let signed_bytes = attrs.to_der().map_err(malformed)?;
    check_signature(
        signer_cert,
        &signer.signature_algorithm.oid,
        &signer.digest_alg.oid,
        &signed_bytes,
        signer.signature.as_bytes(),
    )?;
    if !for_time_stamping(signer_cert) {
        return Err(StampError::NotForTimeStamping);
    }
    let at = tst.gen_time.to_unix_duration().as_secs();
    chain_to_trust(signer_cert, &certs, trust, at)?;
    Ok(Stamp {
        tsa: display_name(&signer_cert.tbs_certificate.subject),
        time: rfc3339(at),
        serial: hex::encode(tst.serial_number.as_bytes()),
        policy: tst.policy.to_string(),
    })
}

/// A certificate subject as people read it: its common name, with its organisation
/// in brackets when it names one; the whole distinguished name when it has no
/// common name.
fn display_name(name: &x509_cert::name::Name) -> String {
    let value = |oid: ObjectIdentifier| {
        name.0.iter().flat_map(|rdn| rdn.0.iter()).find_map(|atv| {
            (atv.oid == oid).then(|| {
                atv.value
                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                    .map(|s| s.as_str().to_owned())
                    .or_else(|_| {
                        atv.value
                            .decode_as::<der::asn1::PrintableStringRef<'_>>()
                            .map(|s| s.as_str().to_owned())
                    })
                    .ok()
            })?
        })
    };
    match (
        value(ObjectIdentifier::new_unwrap("2.5.4.3")),
        value(ObjectIdentifier::new_unwrap("2.5.4.10")),
    ) {
        (Some(cn), Some(o)) if cn != o => format!("{cn} ({o})"),
        (Some(cn), _) => cn,
        _ => name.to_string(),
    }
}

fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            id.issuer == cert.tbs_certificate.issuer
                && id.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            cert.tbs_certificate.extensions.iter().flatten().any(|e| {
                e.extn_id == ObjectIdentifier::new_unwrap("2.5.29.14")
                    && e.extn_value.as_bytes().ends_with(ski.0.as_bytes())
            })
        }
    }
}

fn for_time_stamping(cert: &Certificate) -> bool {
    cert.tbs_certificate.extensions.iter().flatten().any(|e| {
        e.extn_id == EXT_KEY_USAGE
            && e.critical
            && x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
                .is_ok_and(|eku| eku.0.contains(&KP_TIME_STAMPING))
    })
}

fn is_ca(cert: &Certificate) -> bool {
    cert.tbs_certificate.extensions.iter().flatten().any(|e| {
        e.extn_id == BASIC_CONSTRAINTS
            && x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes())
                .is_ok_and(|bc| bc.ca)
    })
}

fn valid_at(cert: &Certificate, at: u64) -> Result<(), StampError> {
    let validity = &cert.tbs_certificate.validity;
    let from = validity.not_before.to_unix_duration().as_secs();
    let to = validity.not_after.to_unix_duration().as_secs();
    if at < from || at > to {
        return Err(StampError::Expired {
            subject: display_name(&cert.tbs_certificate.subject),
            at: rfc3339(at),
            not_before: rfc3339(from),
            not_after: rfc3339(to),
        });
    }
    Ok(())
}

/// Follows `cert` up to a trusted certificate: each link's signature verified by its
/// issuer, each certificate valid at `at`, every issuer below the trusted one a CA.
fn chain_to_trust(
    cert: &Certificate,
    pool: &[&Certificate],
    trust: &TsaTrust,
    at: u64,
) -> Result<(), StampError> {
    let mut current = cert;
    for _ in 0..MAX_CHAIN {
        valid_at(current, at)?;
        if trust.certs.iter().any(|t| t == current) {
            return Ok(());
        }
        let tbs = current.tbs_certificate.to_der().map_err(malformed)?;
        let alg = &current.signature_algorithm.oid;
        let issued_by = |issuer: &Certificate| {
            issuer.tbs_certificate.subject == current.tbs_certificate.issuer
                && check_signature(issuer, alg, alg, &tbs, current.signature.raw_bytes()).is_ok()
        };
        if let Some(anchor) = trust.certs.iter().find(|t| issued_by(t)) {
            return valid_at(anchor, at);
        }
        let Some(issuer) = pool
            .iter()
            .copied()
            .find(|i| i != &current && is_ca(i) && issued_by(i))
        else {
            break;
        };
        current = issuer;
    }
    Err(StampError::Untrusted(
        cert.tbs_certificate.subject.to_string(),
    ))
}

/// Checks `signature` over `message` with `cert`'s key under `alg` (`digest` names the
/// hash where `alg` is plain rsaEncryption).
fn check_signature(
    cert: &Certificate,
    alg: &ObjectIdentifier,
    digest: &ObjectIdentifier,
    message: &[u8],
    signature: &[u8],
) -> Result<(), StampError> {
    use rsa::pkcs8::DecodePublicKey as _;
    use rsa::signature::Verifier as _;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(malformed)?;
    let rsa_hash = match *alg {
        RSA_SHA256 => Some(SHA256),
        RSA_SHA384 => Some(SHA384),
        RSA_SHA512 => Some(SHA512),
        RSA => Some(*digest),
        _ => None,
    };
    if let Some(h) = rsa_hash {
        let key =
            rsa::RsaPublicKey::from_public_key_der(&spki).map_err(|_| StampError::Signature)?;
        let sig =
            rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| StampError::Signature)?;
        let ok = match h {
            SHA256 => rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify(message, &sig),
            SHA384 => rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key).verify(message, &sig),
            SHA512 => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify(message, &sig),
            other => return Err(StampError::Unsupported(format!("digest {other}"))),
        };
        return ok.map_err(|_| StampError::Signature);
    }
    match *alg {
        ECDSA_SHA256 => {
            let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki)
                .map_err(|_| StampError::Signature)?;
            let sig = p256::ecdsa::DerSignature::try_from(signature)
                .map_err(|_| StampError::Signature)?;
            key.verify(message, &sig).map_err(|_| StampError::Signature)
        }
        ED25519 => {
            let raw = cert
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes();
            let key = crate::keys::PublicKey::from_slice(raw).map_err(|_| StampError::Signature)?;
            crate::keys::verify_strict(&key, message, signature).map_err(|_| StampError::Signature)
        }
        other => Err(StampError::Unsupported(format!("signature {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_der_with_the_sha256_imprint_and_asks_for_the_certificate() {
        let der = request(b"the manifest's signature", [1; 8]).unwrap();
        let req = TimeStampReq::from_der(&der).unwrap();
        assert_eq!(req.message_imprint.hash_algorithm.oid, SHA256);
        assert_eq!(
            req.message_imprint.hashed_message.as_bytes(),
            Sha256::digest(b"the manifest's signature").as_slice()
        );
        assert!(req.cert_req);
    }

    #[test]
    fn what_is_not_a_token_is_malformed_and_a_refusal_is_named() {
        assert!(matches!(
            verify(b"not der", b"x", &TsaTrust::default()),
            Err(StampError::Malformed(_))
        ));
        // TimeStampResp { status: { status: rejection (2) } }
        let refused = [0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02];
        assert_eq!(token_of(&refused), Err(StampError::Refused(2)));
        assert!(TsaTrust::from_pem("no certificates here")
            .unwrap()
            .is_empty());
    }
}
