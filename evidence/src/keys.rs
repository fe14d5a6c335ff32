//! Ed25519 public keys as people paste them, and the strict signature check.
//!
//! Every verdict in Custody rests on [`verify_strict`]: ed25519-dalek's
//! `verify_strict`, which refuses weak (small-order) keys, non-canonical encodings
//! and signatures whose `S` is not reduced. Batch verification may be used later to
//! go faster, but never as the ground for a "valid" verdict.

use ed25519_dalek::{Signature, VerifyingKey};

use crate::b64;

/// DER prefix of an ed25519 SubjectPublicKeyInfo (RFC 8410): what precedes the 32
/// key bytes in a `-----BEGIN PUBLIC KEY-----` block.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// An ed25519 public key that decodes to a point on the curve.
///
/// Decoding does not reject weak keys: [`verify_strict`] does, so that a weak key
/// gives the verdict "signature invalid" rather than disappearing silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

/// Why a text is not an ed25519 public key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is empty or only white space.
    #[error("no public key was given")]
    Empty,
    /// The text is neither hex, base64 nor a PEM public key.
    #[error("the public key is not hex, base64 or PEM")]
    Unreadable,
    /// The text decodes, but not to the 32 bytes of an ed25519 key.
    #[error("an ed25519 public key is 32 bytes; this one is {0} bytes")]
    WrongLength(usize),
    /// The 32 bytes are not the canonical encoding of a curve point.
    #[error(
        "the 32 bytes are not an ed25519 public key (not the canonical encoding of a curve point)"
    )]
    NotAPoint,
}

/// Why a trust-root list was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyListError {
    /// The list holds no key.
    #[error("the list holds no public key")]
    Empty,
    /// One entry is not a key.
    #[error("{at}: {error}")]
    Key {
        /// Where: `line N` or `PEM block N`.
        at: String,
        /// Why.
        error: KeyError,
    },
}

impl PublicKey {
    /// Reads a key from 64 hex digits, base64 (either alphabet) of 32 bytes, or a PEM
    /// `PUBLIC KEY` block holding an ed25519 SubjectPublicKeyInfo.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(KeyError::Empty);
        }
        let bytes = if let Some(body) = pem_body(text) {
            let der = b64::decode(&body).ok_or(KeyError::Unreadable)?;
            match der.strip_prefix(&SPKI_PREFIX[..]) {
                Some(key) => key.to_vec(),
                None => return Err(KeyError::Unreadable),
            }
        } else if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| KeyError::Unreadable)?
        } else {
            b64::decode(text).ok_or(KeyError::Unreadable)?
        };
        Self::from_slice(&bytes)
    }

    /// Reads every key in a trust-root list: PEM `PUBLIC KEY` blocks, or one key per
    /// line (hex or base64), where blank lines and lines starting with `#` are
    /// skipped. Refuses the whole list at the first key that does not read, naming
    /// it, and refuses a list without keys.
    pub fn list_from_text(text: &str) -> Result<Vec<Self>, KeyListError> {
        let keys: Vec<Self> = if text.contains("-----BEGIN") {
            text.split_inclusive("-----END PUBLIC KEY-----")
                .filter(|block| !block.trim().is_empty())
                .enumerate()
                .map(|(n, block)| {
                    Self::from_text(block).map_err(|error| KeyListError::Key {
                        at: format!("PEM block {}", n + 1),
                        error,
                    })
                })
                .collect::<Result<_, _>>()?
        } else {
            text.lines()
                .enumerate()
                .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
                .map(|(n, line)| {
                    Self::from_text(line).map_err(|error| KeyListError::Key {
                        at: format!("line {}", n + 1),
                        error,
                    })
                })
                .collect::<Result<_, _>>()?
        };
        if keys.is_empty() {
            return Err(KeyListError::Empty);
        }
        Ok(keys)
    }

    /// Reads a key from its 32 raw bytes, decoded as RFC 8032 section 5.1.3 says:
    /// an encoding that is not the canonical one of its point (a y of p or more, or
    /// x = 0 with the sign bit set) is refused, as every other reader of the format
    /// refuses it.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, KeyError> {
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::WrongLength(bytes.len()))?;
        let canonical = curve25519_dalek::edwards::CompressedEdwardsY(array)
            .decompress()
            .is_some_and(|point| point.compress().to_bytes() == array);
        if !canonical {
            return Err(KeyError::NotAPoint);
        }
        VerifyingKey::from_bytes(&array)
            .map(PublicKey)
            .map_err(|_| KeyError::NotAPoint)
    }

    /// The 32 bytes of the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The key as 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }
}

impl From<VerifyingKey> for PublicKey {
    fn from(key: VerifyingKey) -> Self {
        PublicKey(key)
    }
}

/// Why a signature did not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// An ed25519 signature is 64 bytes; this one is not.
    #[error("an ed25519 signature is 64 bytes; this one is {0} bytes")]
    WrongLength(usize),
    /// The signature does not verify strictly over the message with the key.
    #[error("the signature does not verify with this key")]
    Invalid,
}

/// Checks `signature` over `message` with `key`, strictly (see the module docs).
pub fn verify_strict(
    key: &PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let signature = Signature::from_slice(signature)
        .map_err(|_| SignatureError::WrongLength(signature.len()))?;
    key.0
        .verify_strict(message, &signature)
        .map_err(|_| SignatureError::Invalid)
}

/// The base64 body of a PEM `PUBLIC KEY` block, white space removed.
fn pem_body(text: &str) -> Option<String> {
    let rest = text.strip_prefix("-----BEGIN PUBLIC KEY-----")?;
    let body = rest.trim_end().strip_suffix("-----END PUBLIC KEY-----")?;
    Some(body.chars().filter(|c| !c.is_whitespace()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8032 §7.1 TEST 1.
    const RFC8032_PK: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    #[test]
    fn non_canonical_point_encodings_are_refused() {
        // y = p - 1 + 2^255 … y >= p, and x = 0 with the sign bit set (RFC 8032
        // section 5.1.3): both decode to points, neither is how a point is written.
        for bad in [
            "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
            "0100000000000000000000000000000000000000000000000000000000000080",
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        ] {
            assert_eq!(PublicKey::from_text(bad), Err(KeyError::NotAPoint), "{bad}");
        }
        // Their canonical forms are keys (the identity among them).
        assert!(PublicKey::from_text(
            "0100000000000000000000000000000000000000000000000000000000000000"
        )
        .is_ok());
        assert!(PublicKey::from_text(RFC8032_PK).is_ok());
    }

    #[test]
    fn a_key_reads_the_same_from_hex_base64_and_pem() {
        let from_hex = PublicKey::from_text(RFC8032_PK).unwrap();
        let raw = hex::decode(RFC8032_PK).unwrap();
        let b64 = crate::b64::encode(&raw);
        assert_eq!(PublicKey::from_text(&b64).unwrap(), from_hex);
        let der = [&SPKI_PREFIX[..], &raw].concat();
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            crate::b64::encode(&der)
        );
        assert_eq!(PublicKey::from_text(&pem).unwrap(), from_hex);
        assert_eq!(from_hex.to_hex(), RFC8032_PK);
    }

    #[test]
    fn a_key_list_reads_lines_or_pem_blocks_and_names_the_bad_entry() {
        let raw = hex::decode(RFC8032_PK).unwrap();
        let b64 = crate::b64::encode(&raw);
        let key = PublicKey::from_text(RFC8032_PK).unwrap();
        let lines = format!("# org roots\n\n{RFC8032_PK}\n  {b64}  \n");
        assert_eq!(PublicKey::list_from_text(&lines).unwrap(), vec![key, key]);
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            crate::b64::encode(&[&SPKI_PREFIX[..], &raw].concat())
        );
        let two = format!("{pem}\n{pem}");
        assert_eq!(PublicKey::list_from_text(&two).unwrap(), vec![key, key]);
        assert_eq!(
            PublicKey::list_from_text(&format!("{RFC8032_PK}\n# x\nabc\n")),
            Err(KeyListError::Key {
                at: "line 3".into(),
                error: KeyError::WrongLength(2)
            })
        );
        let broken = format!("{pem}-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----");
        assert!(matches!(
            PublicKey::list_from_text(&broken),
            Err(KeyListError::Key { at, .. }) if at == "PEM block 2"
        ));
        assert_eq!(
            PublicKey::list_from_text("# none\n\n"),
            Err(KeyListError::Empty)
        );
    }

    #[test]
    fn bad_key_texts_name_what_is_wrong() {
        assert_eq!(PublicKey::from_text("  "), Err(KeyError::Empty));
        assert_eq!(
            PublicKey::from_text("not a key!"),
            Err(KeyError::Unreadable)
        );
        assert_eq!(PublicKey::from_text("AAAA"), Err(KeyError::WrongLength(3)));
        // y = 2 is not the y-coordinate of any curve point.
        let mut not_a_point = [0u8; 32];
        not_a_point[0] = 2;
        assert_eq!(
            PublicKey::from_slice(&not_a_point),
            Err(KeyError::NotAPoint)
        );
    }

    #[test]
    fn a_signature_of_the_wrong_length_is_named_as_such() {
        let key = PublicKey::from_text(RFC8032_PK).unwrap();
        assert_eq!(
            verify_strict(&key, b"", &[0u8; 63]),
            Err(SignatureError::WrongLength(63))
        );
    }
}
