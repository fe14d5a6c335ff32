//! SCITT: a bundle's manifest as a signed statement (a COSE_Sign1, RFC 9052, as the
//! SCITT architecture asks: the issuer and subject in its CWT claims), and RFC 9942
//! COSE receipts that a transparency service registered it, with an RFC 9162 (RFC
//! 6962) inclusion proof.
//!
//! A statement's payload is the manifest's signed payload, its content type the
//! manifest's `payloadType`; its issuer signs it with Ed25519 (`alg` -8). A receipt is
//! a COSE_Sign1 with a detached payload: its protected header names the verifiable
//! data structure RFC9162_SHA256 (`vds` 395 = 1), its unprotected header carries the
//! inclusion proofs (`vdp` 396, key -1: each a CBOR `[tree_size, leaf_index,
//! [hashes]]`), and its signature is over the tree's root, computed from the proof and
//! the leaf. The leaf's entry is the signed statement as registered (its bytes). Every
//! signature is checked with [`crate::keys::verify_strict`], over the protected header
//! as received.

use coset::cbor::value::Value;
use coset::{
    iana, AsCborValue, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, Label,
    TaggedCborSerializable,
};

use crate::bundle::{self, Limits, Malformed};
use crate::keys::{verify_strict, PublicKey};
use crate::merkle::{self, Hash};
use crate::producer::Signer;

/// The CWT claims header parameter (RFC 9597).
const CWT_CLAIMS: i64 = 15;
/// The verifiable data structure header parameter (RFC 9942).
const VDS: i64 = 395;
/// The verifiable data structure proofs header parameter (RFC 9942).
const VDP: i64 = 396;
/// RFC9162_SHA256 (RFC 9942 section 5).
const RFC9162_SHA256: i64 = 1;
/// The key of inclusion proofs in `vdp`.
const INCLUSION: i64 = -1;

/// Why a statement or a receipt does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScittError {
    /// The bundle does not read.
    #[error(transparent)]
    Bundle(#[from] Malformed),
    /// Not a COSE_Sign1, or a header of it does not read.
    #[error("not a COSE_Sign1 {0}: {1}")]
    Malformed(&'static str, String),
    /// An algorithm other than EdDSA.
    #[error("the {0} is not signed with EdDSA (alg -8)")]
    Algorithm(&'static str),
    /// The signature does not verify.
    #[error("the {0}'s signature does not verify with the key given")]
    Signature(&'static str),
    /// The receipt is not an RFC9162_SHA256 inclusion receipt.
    #[error("the receipt is not an RFC9162_SHA256 inclusion receipt: {0}")]
    NotInclusion(&'static str),
    /// A receipt was given without the transparency service's key.
    #[error("the transparency service's public key is needed to check a receipt")]
    NoServiceKey,
}

/// What a valid statement says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The issuer (CWT `iss`).
    pub issuer: String,
    /// The subject (CWT `sub`): the bundle's ID.
    pub subject: String,
    /// The content type.
    pub content_type: String,
    /// The payload: the manifest, as signed.
    pub payload: Vec<u8>,
}

/// The bundle's manifest as a signed statement of `issuer`, signed by `signer`: a
/// tagged COSE_Sign1.
pub fn statement(
    bundle_bytes: &[u8],
    limits: &Limits,
    issuer: &str,
    signer: &Signer,
) -> Result<Vec<u8>, ScittError> {
    let (content_type, payload) = bundle::manifest_payload(bundle_bytes, limits)?;
    let subject = bundle_id(&payload);
    let claims = coset::cwt::ClaimsSetBuilder::new()
        .issuer(issuer.to_owned())
        .subject(subject)
        .build()
        .to_cbor_value()
        .map_err(|e| ScittError::Malformed("claims", e.to_string()))?;
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .content_type(content_type)
        .key_id(hex::encode(signer.public_key().to_bytes()).into_bytes())
        .value(CWT_CLAIMS, claims)
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(b"", |tbs| signer.sign(tbs).to_vec())
        .build()
        .to_tagged_vec()
        .map_err(|e| ScittError::Malformed("statement", e.to_string()))
}

fn read(bytes: &[u8], what: &'static str) -> Result<CoseSign1, ScittError> {
    CoseSign1::from_tagged_slice(bytes)
        .or_else(|_| CoseSign1::from_slice(bytes))
        .map_err(|e| ScittError::Malformed(what, e.to_string()))
}

fn eddsa(sign1: &CoseSign1, what: &'static str) -> Result<(), ScittError> {
    match sign1.protected.header.alg {
        Some(coset::RegisteredLabelWithPrivate::Assigned(iana::Algorithm::EdDSA)) => Ok(()),
        _ => Err(ScittError::Algorithm(what)),
    }
}

/// Checks a signed statement with its issuer's `key`, and says what it states.
pub fn verify_statement(bytes: &[u8], key: &PublicKey) -> Result<Statement, ScittError> {
    verify_read(&read(bytes, "statement")?, key)
}

/// [`verify_statement`] of a statement already read.
fn verify_read(sign1: &CoseSign1, key: &PublicKey) -> Result<Statement, ScittError> {
    eddsa(sign1, "statement")?;
    let payload = sign1
        .payload
        .clone()
        .ok_or(ScittError::Malformed("statement", "no payload".into()))?;
    verify_strict(key, &sign1.tbs_data(b""), &sign1.signature)
        .map_err(|_| ScittError::Signature("statement"))?;
    let header = &sign1.protected.header;
    let claims = header
        .rest
        .iter()
        .find(|(l, _)| *l == Label::Int(CWT_CLAIMS))
        .and_then(|(_, v)| coset::cwt::ClaimsSet::from_cbor_value(v.clone()).ok())
        .ok_or(ScittError::Malformed("statement", "no CWT claims".into()))?;
    let content_type = content_type_of(header);
    Ok(Statement {
        issuer: claims.issuer.unwrap_or_default(),
        subject: claims.subject.unwrap_or_default(),
        content_type,
        payload,
    })
}

/// What a valid receipt proves: the statement is at `index` in the service's tree
/// of `size` leaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The tree size.
    pub size: u64,
    /// The leaf index.
    pub index: u64,
}

/// Checks `receipt` over the signed statement `statement` (its bytes as registered)
/// with the transparency service's `key`.
pub fn verify_receipt(
    statement: &[u8],
    receipt: &[u8],
    key: &PublicKey,
) -> Result<Receipt, ScittError> {
    let sign1 = read(receipt, "receipt")?;
    eddsa(&sign1, "receipt")?;
    if sign1.payload.is_some() {
        return Err(ScittError::NotInclusion("its payload is not detached"));
    }
    let vds = sign1
        .protected
        .header
        .rest
        .iter()
        .find(|(l, _)| *l == Label::Int(VDS))
        .map(|(_, v)| v.clone());
    if vds != Some(Value::from(RFC9162_SHA256)) {
        return Err(ScittError::NotInclusion(
            "vds (395) is not RFC9162_SHA256 (1)",
        ));
    }
    let proofs = sign1
        .unprotected
        .rest
        .iter()
        .find(|(l, _)| *l == Label::Int(VDP))
        .and_then(|(_, v)| v.as_map())
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| *k == Value::from(INCLUSION))
                .and_then(|(_, v)| v.as_array())
        })
        .ok_or(ScittError::NotInclusion("no inclusion proof in vdp (396)"))?;
    let leaf = merkle::leaf_hash(statement);
    let mut last = ScittError::NotInclusion("no inclusion proof in vdp (396)");
    for proof in proofs {
        let Some((size, index, path)) = proof.as_bytes().and_then(|b| inclusion(b)) else {
            last = ScittError::NotInclusion("an inclusion proof is not [size, index, [hashes]]");
            continue;
        };
        let Ok(root) = merkle::inclusion_root(index, size, &leaf, &path) else {
            last = ScittError::NotInclusion("an inclusion proof does not fit its tree size");
            continue;
        };
        let tbs = sign1.tbs_detached_data(&root, b"");
        if verify_strict(key, &tbs, &sign1.signature).is_ok() {
            return Ok(Receipt { size, index });
        }
        last = ScittError::Signature("receipt");
    }
    Err(last)
}

/// How a statement's payload compares with a bundle's manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadMatch {
    /// The payload and its content type are the bundle's manifest, as signed.
    Same {
        /// The bundle's ID.
        bundle_id: String,
    },
    /// The payload or its content type differs.
    Different,
    /// The bundle does not read.
    Unreadable(Malformed),
}

/// One receipt's check, under the name the reviewer knows it by (a file name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptCheck {
    /// The receipt's name.
    pub name: String,
    /// What it proves, or why it does not hold.
    pub result: Result<Receipt, ScittError>,
}

/// What checking a statement, the bundle it should state, and its receipts found:
/// the one account that the CLI prints and the Verify page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScittCheck {
    /// The statement, or why it does not hold.
    pub statement: Result<Statement, ScittError>,
    /// How its payload compares with the bundle, when one was given.
    pub bundle: Option<PayloadMatch>,
    /// Each receipt, in the order given.
    pub receipts: Vec<ReceiptCheck>,
}

impl ScittCheck {
    /// Whether the statement, its match with the bundle and every receipt hold.
    pub fn holds(&self) -> bool {
        self.statement.is_ok()
            && !matches!(
                self.bundle,
                Some(PayloadMatch::Different | PayloadMatch::Unreadable(_))
            )
            && self.receipts.iter().all(|r| r.result.is_ok())
    }

    /// The check, a sentence per part.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![match &self.statement {
            Ok(s) => format!(
                "Statement of {} about {} ({}, {} bytes): its signature is valid.",
                s.issuer,
                s.subject,
                s.content_type,
                s.payload.len()
            ),
            Err(e) => format!("Statement: not valid: {e}."),
        }];
        lines.push(match &self.bundle {
            None => "Bundle: not compared (none given): the statement is not shown to be about a bundle you hold.".into(),
            Some(PayloadMatch::Same { bundle_id }) => format!(
                "Bundle: the statement's payload is the manifest of bundle {bundle_id}, as signed."
            ),
            Some(PayloadMatch::Different) => {
                "Bundle: not this bundle: the statement's payload is not its manifest.".into()
            }
            Some(PayloadMatch::Unreadable(e)) => format!("Bundle: it cannot be read: {e}."),
        });
        if self.receipts.is_empty() {
            lines.push(
                "Receipts: none given: the statement is not shown to be registered with a transparency service."
                    .into(),
            );
        }
        for r in &self.receipts {
            lines.push(match &r.result {
                Ok(receipt) => format!(
                    "Receipt {}: registered at index {} of {} (receipt valid).",
                    r.name, receipt.index, receipt.size
                ),
                Err(e) => format!("Receipt {}: not valid: {e}.", r.name),
            });
        }
        lines
    }
}

/// Checks `statement` with its issuer's key, compares its payload with `bundle`
/// (when given), and checks each of `receipts` (a name and its bytes) with the
/// transparency service's key.
pub fn check(
    statement: &[u8],
    issuer: &PublicKey,
    bundle: Option<&[u8]>,
    receipts: &[(String, Vec<u8>)],
    service: Option<&PublicKey>,
    limits: &Limits,
) -> ScittCheck {
    let sign1 = read(statement, "statement");
    let read_statement = sign1
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|s| verify_read(s, issuer));
    let bundle = bundle.map(|bytes| match bundle::manifest_payload(bytes, limits) {
        Err(e) => PayloadMatch::Unreadable(e),
        Ok((content_type, payload)) => match &sign1 {
            // Compared whether or not its signature holds: the first line says that.
            Ok(s)
                if content_type_of(&s.protected.header) == content_type
                    && s.payload.as_ref() == Some(&payload) =>
            {
                PayloadMatch::Same {
                    bundle_id: bundle_id(&payload),
                }
            }
            _ => PayloadMatch::Different,
        },
    });
    let receipts = receipts
        .iter()
        .map(|(name, bytes)| ReceiptCheck {
            name: name.clone(),
            result: match service {
                Some(key) => verify_receipt(statement, bytes, key),
                None => Err(ScittError::NoServiceKey),
            },
        })
        .collect();
    ScittCheck {
        statement: read_statement,
        bundle,
        receipts,
    }
}

fn content_type_of(header: &coset::Header) -> String {
    match &header.content_type {
        Some(coset::ContentType::Text(t)) => t.clone(),
        Some(coset::ContentType::Assigned(a)) => format!("{a:?}"),
        None => String::new(),
    }
}

/// The `bundleId` of a manifest payload (empty when it has none).
fn bundle_id(payload: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(payload)
        .ok()
        .and_then(|m| {
            m.get("bundleId")
                .and_then(|b| b.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

/// A CBOR `[tree_size, leaf_index, [hashes]]`.
fn inclusion(bytes: &[u8]) -> Option<(u64, u64, Vec<Hash>)> {
    let value = Value::from_slice(bytes).ok()?;
    let [size, index, path] = value.as_array()?.as_slice() else {
        return None;
    };
    let size = u64::try_from(size.as_integer()?).ok()?;
    let index = u64::try_from(index.as_integer()?).ok()?;
    let path = path
        .as_array()?
        .iter()
        .map(|h| h.as_bytes().and_then(|b| Hash::try_from(b.as_slice()).ok()))
        .collect::<Option<Vec<Hash>>>()?;
    Some((size, index, path))
}

/// A receipt of `statement` at `index` in a tree of `leaves` (each a registered
/// statement's bytes), signed by a service's `signer`: what a transparency service
/// issues (for tests and demonstrations).
pub fn issue_receipt(leaves: &[Vec<u8>], index: usize, signer: &Signer) -> Option<Vec<u8>> {
    let hashes: Vec<Hash> = leaves.iter().map(|l| merkle::leaf_hash(l)).collect();
    let path = merkle::inclusion_proof(&hashes, index)?;
    let root = merkle::root(&hashes);
    let proof = Value::Array(vec![
        Value::from(hashes.len() as u64),
        Value::from(index as u64),
        Value::Array(path.iter().map(|h| Value::Bytes(h.to_vec())).collect()),
    ])
    .to_vec()
    .ok()?;
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .value(VDS, Value::from(RFC9162_SHA256))
        .build();
    let unprotected = HeaderBuilder::new()
        .value(
            VDP,
            Value::Map(vec![(
                Value::from(INCLUSION),
                Value::Array(vec![Value::Bytes(proof)]),
            )]),
        )
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .unprotected(unprotected)
        .create_detached_signature(&root, b"", |tbs| signer.sign(tbs).to_vec())
        .build()
        .to_tagged_vec()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> (String, PublicKey) {
        crate::producer::synthetic(3, "scitt-test")
    }

    #[test]
    fn a_manifest_statement_verifies_with_its_issuer_and_names_the_bundle() {
        let (bytes, _) = bundle();
        let issuer = Signer::from_seed([4; 32]);
        let limits = Limits::default();
        let st = statement(bytes.as_bytes(), &limits, "https://acme.example", &issuer).unwrap();
        let read = verify_statement(&st, &issuer.public_key()).unwrap();
        assert_eq!(read.issuer, "https://acme.example");
        assert_eq!(read.subject, "scitt-test");
        let (_, payload) = bundle::manifest_payload(bytes.as_bytes(), &limits).unwrap();
        assert_eq!(read.payload, payload);
        let other = Signer::from_seed([5; 32]);
        assert_eq!(
            verify_statement(&st, &other.public_key()),
            Err(ScittError::Signature("statement"))
        );
    }

    #[test]
    fn a_receipt_proves_its_statement_only_and_not_when_tampered() {
        let (bytes, _) = bundle();
        let issuer = Signer::from_seed([4; 32]);
        let service = Signer::from_seed([6; 32]);
        let st = statement(bytes.as_bytes(), &Limits::default(), "acme", &issuer).unwrap();
        for n in 1..=9usize {
            for at in 0..n {
                let mut leaves: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; 40]).collect();
                leaves[at] = st.clone();
                let receipt = issue_receipt(&leaves, at, &service).unwrap();
                assert_eq!(
                    verify_receipt(&st, &receipt, &service.public_key()),
                    Ok(Receipt {
                        size: n as u64,
                        index: at as u64
                    }),
                    "n={n} at={at}"
                );
                // Another statement, another key: no.
                assert!(
                    verify_receipt(b"another statement", &receipt, &service.public_key()).is_err()
                );
                assert!(verify_receipt(&st, &receipt, &issuer.public_key()).is_err());
            }
        }
        let leaves = vec![b"a".to_vec(), st.clone(), b"c".to_vec()];
        let mut receipt = issue_receipt(&leaves, 1, &service).unwrap();
        let last = receipt.len() - 1;
        receipt[last] ^= 1;
        assert_eq!(
            verify_receipt(&st, &receipt, &service.public_key()),
            Err(ScittError::Signature("receipt"))
        );
        assert!(matches!(
            verify_receipt(&st, &st, &service.public_key()),
            Err(ScittError::NotInclusion(_))
        ));
    }

    #[test]
    fn the_check_ties_a_statement_to_its_bundle_and_names_each_receipt() {
        let (bytes, _) = bundle();
        let (other, _) = crate::producer::synthetic(2, "another-bundle");
        let issuer = Signer::from_seed([4; 32]);
        let service = Signer::from_seed([6; 32]);
        let limits = Limits::default();
        let st = statement(bytes.as_bytes(), &limits, "acme", &issuer).unwrap();
        let leaves = vec![b"a".to_vec(), st.clone()];
        let good = issue_receipt(&leaves, 1, &service).unwrap();
        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let receipts = vec![("good".to_owned(), good), ("bad".to_owned(), bad)];
        let key = service.public_key();
        let found = check(
            &st,
            &issuer.public_key(),
            Some(bytes.as_bytes()),
            &receipts[..1],
            Some(&key),
            &limits,
        );
        assert!(found.holds(), "{:?}", found.lines());
        assert_eq!(
            found.bundle,
            Some(PayloadMatch::Same {
                bundle_id: "scitt-test".into()
            })
        );
        assert_eq!(
            found.lines()[2],
            "Receipt good: registered at index 1 of 2 (receipt valid)."
        );
        // Another bundle, a tampered receipt, a missing service key: each named.
        let found = check(
            &st,
            &issuer.public_key(),
            Some(other.as_bytes()),
            &receipts,
            Some(&key),
            &limits,
        );
        assert!(!found.holds());
        assert_eq!(found.bundle, Some(PayloadMatch::Different));
        assert_eq!(
            found.receipts[1].result,
            Err(ScittError::Signature("receipt"))
        );
        let found = check(&st, &issuer.public_key(), None, &receipts, None, &limits);
        assert!(!found.holds());
        assert_eq!(found.receipts[0].result, Err(ScittError::NoServiceKey));
        let found = check(&st, &issuer.public_key(), None, &[], None, &limits);
        assert!(found.holds());
        assert!(found.lines()[1].starts_with("Bundle: not compared"));
        assert!(found.lines()[2].starts_with("Receipts: none given"));
    }
}
