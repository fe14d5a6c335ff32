//! The demo's time-stamping authority: an RFC 3161 authority in process, so that a
//! demo server shows what a time-stamped bundle looks like without the network. Its
//! certificate is self-signed (Ed25519, the critical `timeStamping` extended key usage)
//! and names it as the demo's own, not an independent party; a demo server trusts it
//! unless `--tsa-trust` says otherwise. Its tokens are checked by the same
//! `evidence::timestamp::verify` as any authority's.

use std::str::FromStr as _;
use std::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, BitString, GeneralizedTime, Int, ObjectIdentifier, OctetString, SetOfVec};
use der::{Encode as _, EncodePem as _};
use sha2::{Digest as _, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::Attribute;
use x509_cert::certificate::{Certificate, TbsCertificate, Version};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_tsp::{MessageImprint, TspVersion, TstInfo};

use evidence::producer::Signer;
use evidence::timestamp::oid::{
    ED25519, EXT_KEY_USAGE, ID_CONTENT_TYPE, ID_CT_TSTINFO, ID_MESSAGE_DIGEST, ID_SIGNED_DATA,
    KP_TIME_STAMPING, SHA256,
};

/// The demo's policy: under IANA's documentation enterprise number (RFC 5612).
const DEMO_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.32473.1");

/// The authority's subject, as the console names it: "Demo Time Authority (Custody
/// demo, not independent)".
const SUBJECT: &str = "CN=Demo Time Authority,O=Custody demo\\, not independent";
/// Its certificate's validity: 2026-01-01 to 2036-01-01.
const NOT_BEFORE: u64 = 1_767_225_600;
const NOT_AFTER: u64 = 2_082_758_400;

/// The demo's authority.
pub struct DemoTsa {
    signer: Signer,
    certificate: Certificate,
}

fn ed25519() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ED25519,
        parameters: None,
    }
}

/// `n` as a DER INTEGER's content: big-endian, minimal, positive.
fn positive(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let at = bytes.iter().position(|b| *b != 0).unwrap_or(7);
    let mut out = bytes[at..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

fn sha256() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: SHA256,
        parameters: None,
    }
}

impl DemoTsa {
    /// The authority, with its fixed demo key.
    pub fn new() -> anyhow::Result<DemoTsa> {
        let signer = Signer::from_seed([0x41; 32]);
        let name = Name::from_str(SUBJECT)?;
        let eku = ExtendedKeyUsage(vec![KP_TIME_STAMPING]).to_der()?;
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: SerialNumber::new(&[0x01])?,
            signature: ed25519(),
            issuer: name.clone(),
            validity: Validity {
                not_before: Time::UtcTime(der::asn1::UtcTime::from_unix_duration(
                    Duration::from_secs(NOT_BEFORE),
                )?),
                not_after: Time::UtcTime(der::asn1::UtcTime::from_unix_duration(
                    Duration::from_secs(NOT_AFTER),
                )?),
            },
            subject: name,
            subject_public_key_info: SubjectPublicKeyInfoOwned {
                algorithm: ed25519(),
                subject_public_key: BitString::from_bytes(&signer.public_key().to_bytes())?,
            },
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(vec![Extension {
                extn_id: EXT_KEY_USAGE,
                critical: true,
                extn_value: OctetString::new(eku)?,
            }]),
        };
        let signature = signer.sign(&tbs.to_der()?);
        let certificate = Certificate {
            tbs_certificate: tbs,
            signature_algorithm: ed25519(),
            signature: BitString::from_bytes(&signature)?,
        };
        Ok(DemoTsa {
            signer,
            certificate,
        })
    }

    /// Its certificate, PEM: what a reviewer trusts to accept its stamps.
    pub fn certificate_pem(&self) -> anyhow::Result<String> {
        Ok(self.certificate.to_pem(der::pem::LineEnding::LF)?)
    }

    /// Trust in it alone.
    pub fn trust(&self) -> anyhow::Result<evidence::timestamp::TsaTrust> {
        Ok(evidence::timestamp::TsaTrust::from_pem(
            &self.certificate_pem()?,
        )?)
    }

    /// `bundle` with a token of this authority over its manifest's signature, dated
    /// `at`, added to its anchors.
    pub fn stamp_bundle(&self, bundle: &[u8], at: u64, serial: u64) -> anyhow::Result<Vec<u8>> {
        use anyhow::Context as _;
        let limits = evidence::bundle::Limits::default();
        let signature = evidence::bundle::manifest_signature(bundle, &limits)?
            .context("the bundle's manifest has no signature to time-stamp")?;
        let stamp = evidence::anchor::TimestampAnchor {
            tsa: None,
            token: base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                self.stamp(&signature, at, serial)?,
            ),
        };
        Ok(evidence::anchor::with_timestamps(
            bundle,
            &limits,
            vec![stamp],
        )?)
    }

    /// A token (CMS SignedData over a TSTInfo) saying `message` existed at `at`
    /// (seconds since the epoch), with serial number `serial`.
    pub fn stamp(&self, message: &[u8], at: u64, serial: u64) -> anyhow::Result<Vec<u8>> {
        let tst = TstInfo {
            version: TspVersion::V1,
            policy: DEMO_POLICY,
            message_imprint: MessageImprint {
                hash_algorithm: sha256(),
                hashed_message: OctetString::new(Sha256::digest(message).to_vec())?,
            },
            serial_number: Int::new(&positive(serial))?,
            gen_time: GeneralizedTime::from_unix_duration(Duration::from_secs(at))?,
            accuracy: None,
            ordering: false,
            nonce: None,
            tsa: None,
            extensions: None,
        }
        .to_der()?;
        let attribute = |oid, value: Any| -> anyhow::Result<Attribute> {
            Ok(Attribute {
                oid,
                values: SetOfVec::try_from(vec![value])?,
            })
        };
        let attrs = SetOfVec::try_from(vec![
            attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_CT_TSTINFO)?)?,
            attribute(
                ID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(Sha256::digest(&tst).to_vec())?)?,
            )?,
        ])?;
        let signature = self.signer.sign(&attrs.to_der()?);
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.certificate.tbs_certificate.issuer.clone(),
                serial_number: self.certificate.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: sha256(),
            signed_attrs: Some(attrs),
            signature_algorithm: ed25519(),
            signature: OctetString::new(signature.to_vec())?,
            unsigned_attrs: None,
        };
        let signed = SignedData {
            version: CmsVersion::V3,
            digest_algorithms: SetOfVec::try_from(vec![sha256()])?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_CT_TSTINFO,
                econtent: Some(Any::encode_from(&OctetString::new(tst)?)?),
            },
            certificates: Some(CertificateSet::try_from(vec![
                CertificateChoices::Certificate(self.certificate.clone()),
            ])?),
            crls: None,
            signer_infos: SignerInfos::try_from(vec![signer_info])?,
        };
        Ok(ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(&signed)?,
        }
        .to_der()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn its_tokens_verify_against_its_certificate_and_name_it_as_the_demos() {
        let tsa = DemoTsa::new().unwrap();
        let trust = tsa.trust().unwrap();
        let token = tsa
            .stamp(b"the manifest's signature", 1_796_000_000, 7)
            .unwrap();
        let stamp =
            evidence::timestamp::verify(&token, b"the manifest's signature", &trust).unwrap();
        assert_eq!(
            stamp.tsa,
            "Demo Time Authority (Custody demo, not independent)"
        );
        assert_eq!(stamp.time, "2026-11-30T00:53:20Z");
        assert!(matches!(
            evidence::timestamp::verify(&token, b"other bytes", &trust),
            Err(evidence::timestamp::StampError::Imprint)
        ));
        let untrusted = evidence::timestamp::TsaTrust::default();
        assert!(
            evidence::timestamp::verify(&token, b"the manifest's signature", &untrusted).is_err()
        );
    }
}
