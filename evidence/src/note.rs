//! Signed notes (C2SP `signed-note`): text followed by a blank line and signature
//! lines `— <key name> base64(key ID ‖ signature)`, and the verifier keys (vkeys,
//! `<name>+<key ID hex>+base64(type ‖ public key)`) that check them.
//!
//! Two signature types are read: `0x01`, Ed25519 over the note text, which a log
//! signs its checkpoints with; and `0x04`, the timestamped Ed25519 witness
//! cosignature of C2SP `tlog-cosignature`, over `cosignature/v1\ntime T\n` and the
//! text. Every signature check is [`crate::keys::verify_strict`] over the bytes as
//! received.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::keys::{verify_strict, PublicKey};
use crate::producer::Signer;

/// The base64 of notes: standard alphabet, padded, nothing looser.
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The longest note read (a checkpoint with many cosignatures is a few kilobytes).
pub const MAX_NOTE: usize = 64 * 1024;
/// The most signature lines read from one note (the specification asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// A signature type this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SigType {
    /// `0x01`: Ed25519 over the note text.
    Ed25519,
    /// `0x04`: a timestamped Ed25519 witness cosignature (`cosignature/v1`).
    Cosignature,
}

impl SigType {
    /// The type's identifier byte.
    pub fn byte(self) -> u8 {
        match self {
            SigType::Ed25519 => 0x01,
            SigType::Cosignature => 0x04,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(SigType::Ed25519),
            0x04 => Some(SigType::Cosignature),
            _ => None,
        }
    }
}

/// Why a note, a key or a signature does not read or does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// Over [`MAX_NOTE`] bytes.
    #[error("the note is {0} bytes; at most {MAX_NOTE} are read")]
    TooLong(usize),
    /// A control character other than newline.
    #[error("the note holds a control character other than newline")]
    ControlCharacter,
    /// No blank line before signature lines, or no signature line.
    #[error("the note has no signature lines after a blank line")]
    Unsigned,
    /// Over [`MAX_SIGNATURES`] signature lines.
    #[error("the note has over {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    /// A line after the blank line is not `— <name> <base64>`.
    #[error("signature line {0} is not \"— <key name> <base64>\"")]
    BadSignatureLine(usize),
    /// A verifier key is not `<name>+<hex key ID>+<base64>`.
    #[error("the verifier key {0:?} is not <name>+<8 hex digits>+<base64 of type and key>")]
    BadVerifierKey(String),
    /// A verifier key of a type this crate does not read.
    #[error("the verifier key {0:?} is of signature type {1:#04x}, which is not read here")]
    UnknownKeyType(String, u8),
    /// The key ID a verifier key states is not the one its name and key give.
    #[error("the verifier key {0:?} states key ID {1:08x}; its name and key give {2:08x}")]
    WrongKeyId(String, u32, u32),
    /// A key name is empty or holds a space or a plus.
    #[error("the key name {0:?} is empty or holds a space or a plus")]
    BadName(String),
    /// No signature line is from the key.
    #[error("the note is not signed by {0}")]
    NotSignedBy(String),
    /// The key's signature line does not verify.
    #[error("{0}'s signature on the note does not verify")]
    BadSignature(String),
    /// A cosignature is not a timestamp and 64 bytes.
    #[error("{0}'s cosignature is not an 8-byte time and a 64-byte signature")]
    BadCosignature(String),
}

/// A verifier key: a name, a signature type and an Ed25519 public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    kind: SigType,
    key: PublicKey,
}

impl Verifier {
    /// The verifier for `key` under `name`, of `kind`.
    pub fn new(name: &str, kind: SigType, key: PublicKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Verifier {
            name: name.to_owned(),
            kind,
            key,
        })
    }

    /// Reads a vkey: `<name>+<8 hex digits>+base64(type ‖ 32-byte key)`.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let vkey = vkey.trim();
        let bad = || NoteError::BadVerifierKey(vkey.to_owned());
        // A name holds no plus; the base64 after the key ID may.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        if id.len() != 8 {
            return Err(bad());
        }
        let id = u32::from_str_radix(id, 16).map_err(|_| bad())?;
        let raw = B64.decode(b64).map_err(|_| bad())?;
        let (&kind, key) = raw.split_first().ok_or_else(bad)?;
        let kind = SigType::from_byte(kind)
            .ok_or_else(|| NoteError::UnknownKeyType(vkey.to_owned(), kind))?;
        let key = PublicKey::from_slice(key).map_err(|_| bad())?;
        let verifier = Verifier::new(name, kind, key)?;
        if verifier.key_id() != id {
            return Err(NoteError::WrongKeyId(
                vkey.to_owned(),
                id,
                verifier.key_id(),
            ));
        }
        Ok(verifier)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signature type.
    pub fn kind(&self) -> SigType {
        self.kind
    }

    /// The public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// SHA-256(name ‖ 0x0A ‖ type ‖ key)\[:4\], big-endian.
    pub fn key_id(&self) -> u32 {
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update([b'\n', self.kind.byte()]);
        h.update(self.key.to_bytes());
        let digest: [u8; 32] = h.finalize().into();
        let [a, b, c, d, ..] = digest;
        u32::from_be_bytes([a, b, c, d])
    }

    /// The vkey text.
    pub fn to_vkey(&self) -> String {
        let mut raw = vec![self.kind.byte()];
        raw.extend_from_slice(&self.key.to_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id(), B64.encode(raw))
    }

    /// This key's signature line in `note`, if it has one (matched by name and key ID,
    /// as the specification says; lines of unknown keys are ignored).
    fn line_in<'n>(&self, note: &'n Note) -> Option<&'n Signature> {
        let id = self.key_id();
        note.signatures
            .iter()
            .find(|s| s.name == self.name && s.key_id == id)
    }

    /// Checks this key's Ed25519 signature on `note` (type `0x01`).
    pub fn verify(&self, note: &Note) -> Result<(), NoteError> {
        let line = self
            .line_in(note)
            .ok_or_else(|| NoteError::NotSignedBy(self.name.clone()))?;
        verify_strict(&self.key, note.text.as_bytes(), &line.bytes)
            .map_err(|_| NoteError::BadSignature(self.name.clone()))
    }

    /// Checks this key's cosignature on `note` (type `0x04`); gives its time (POSIX
    /// seconds).
    pub fn verify_cosignature(&self, note: &Note) -> Result<u64, NoteError> {
        let line = self
            .line_in(note)
            .ok_or_else(|| NoteError::NotSignedBy(self.name.clone()))?;
        let (time, signature) = line
            .bytes
            .split_first_chunk::<8>()
            .filter(|(_, s)| s.len() == 64)
            .ok_or_else(|| NoteError::BadCosignature(self.name.clone()))?;
        let time = u64::from_be_bytes(*time);
        if time > i64::MAX as u64 {
            return Err(NoteError::BadCosignature(self.name.clone()));
        }
        verify_strict(&self.key, &cosigned_message(time, &note.text), signature)
            .map_err(|_| NoteError::BadSignature(self.name.clone()))?;
        Ok(time)
    }
}

/// The message a `cosignature/v1` signs: the header, the time line, the note text.
pub fn cosigned_message(time: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {time}\n{text}").into_bytes()
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(NoteError::BadName(name.to_owned()));
    }
    Ok(())
}

/// One signature line: the key name, the key ID and the signature bytes after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The key name.
    pub name: String,
    /// The key ID.
    pub key_id: u32,
    /// What follows the key ID.
    pub bytes: Vec<u8>,
}

impl Signature {
    /// The line, without its newline.
    pub fn line(&self) -> String {
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.bytes);
        format!("— {} {}", self.name, B64.encode(raw))
    }
}

/// A signed note, read but not yet trusted: its text (with its final newline) and its
/// signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The text, ending in a newline.
    pub text: String,
    /// The signature lines, in order.
    pub signatures: Vec<Signature>,
}

impl Note {
    /// Reads a note. Nothing in it is trusted until a key's signature is checked.
    pub fn parse(note: &str) -> Result<Note, NoteError> {
        if note.len() > MAX_NOTE {
            return Err(NoteError::TooLong(note.len()));
        }
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(NoteError::ControlCharacter);
        }
        // The text ends at the last blank line; the signatures follow it.
        let split = note.rfind("\n\n").ok_or(NoteError::Unsigned)?;
        let (text, rest) = note.split_at(split + 1);
        let block = rest.strip_prefix('\n').unwrap_or(rest);
        let Some(block) = block.strip_suffix('\n') else {
            return Err(NoteError::Unsigned);
        };
        if block.is_empty() {
            return Err(NoteError::Unsigned);
        }
        let mut signatures = Vec::new();
        for (i, line) in block.split('\n').enumerate() {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            signatures.push(read_line(line).ok_or(NoteError::BadSignatureLine(i + 1))?);
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The note as text: the text, a blank line, the signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.line());
            out.push('\n');
        }
        out
    }

    /// Adds `signature`, replacing any line of the same key.
    pub fn add(&mut self, signature: Signature) {
        self.signatures
            .retain(|s| !(s.name == signature.name && s.key_id == signature.key_id));
        self.signatures.push(signature);
    }
}

fn read_line(line: &str) -> Option<Signature> {
    let rest = line.strip_prefix("— ")?;
    let (name, b64) = rest.split_once(' ')?;
    check_name(name).ok()?;
    let raw = B64.decode(b64).ok()?;
    let (id, bytes) = raw.split_first_chunk::<4>()?;
    if bytes.is_empty() {
        return None;
    }
    Some(Signature {
        name: name.to_owned(),
        key_id: u32::from_be_bytes(*id),
        bytes: bytes.to_vec(),
    })
}

/// A key that signs notes: a name, a type and an Ed25519 signing key.
pub struct NoteSigner {
    verifier: Verifier,
    signer: Signer,
}

impl NoteSigner {
    /// The signer with this seed under `name`, of `kind`.
    pub fn new(name: &str, kind: SigType, seed: [u8; 32]) -> Result<Self, NoteError> {
        let signer = Signer::from_seed(seed);
        let verifier = Verifier::new(name, kind, signer.public_key())?;
        Ok(NoteSigner { verifier, signer })
    }

    /// The verifier key that checks this signer's signatures.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The Ed25519 (`0x01`) signature line over `text`.
    pub fn sign(&self, text: &str) -> Signature {
        Signature {
            name: self.verifier.name.clone(),
            key_id: self.verifier.key_id(),
            bytes: self.signer.sign(text.as_bytes()).to_vec(),
        }
    }

    /// The `cosignature/v1` (`0x04`) line over `text` at `time` (POSIX seconds).
    pub fn cosign(&self, text: &str, time: u64) -> Signature {
        let mut bytes = time.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signer.sign(&cosigned_message(time, text)));
        Signature {
            name: self.verifier.name.clone(),
            key_id: self.verifier.key_id(),
            bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // golang.org/x/mod/sumdb/note, from which C2SP signed-note is specified: its
    // documented example key, text and note.
    const SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n";
    const NOTE: &str = "If you think cryptography is the answer to your problem,\n\
                        then you don't know what your problem is.\n\
                        \n\
                        — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    fn seed() -> [u8; 32] {
        let raw = B64.decode(SKEY.splitn(5, '+').last().unwrap()).unwrap();
        assert_eq!(raw[0], 1);
        raw[1..].try_into().unwrap()
    }

    #[test]
    fn the_sumdb_example_key_signs_the_example_note_byte_for_byte() {
        let signer = NoteSigner::new("PeterNeumann", SigType::Ed25519, seed()).unwrap();
        assert_eq!(signer.verifier().to_vkey(), VKEY);
        let note = Note {
            text: TEXT.into(),
            signatures: vec![signer.sign(TEXT)],
        };
        assert_eq!(note.to_text(), NOTE);
    }

    #[test]
    fn the_example_note_opens_with_its_vkey_and_not_when_altered() {
        let vkey = Verifier::parse(VKEY).unwrap();
        let note = Note::parse(NOTE).unwrap();
        assert_eq!(note.text, TEXT);
        assert_eq!(vkey.verify(&note), Ok(()));
        let altered = Note::parse(&NOTE.replace("cryptography", "cryptographY")).unwrap();
        assert_eq!(
            vkey.verify(&altered),
            Err(NoteError::BadSignature("PeterNeumann".into()))
        );
        // Another key of the same name is not this one: its line is ignored.
        let other = NoteSigner::new("PeterNeumann", SigType::Ed25519, [7; 32]).unwrap();
        assert_eq!(
            other.verifier().verify(&note),
            Err(NoteError::NotSignedBy("PeterNeumann".into()))
        );
    }

    #[test]
    fn a_vkey_whose_key_id_is_not_its_own_is_refused() {
        let wrong = VKEY.replace("c74f20a3", "c74f20a4");
        assert!(matches!(
            Verifier::parse(&wrong),
            Err(NoteError::WrongKeyId(_, 0xc74f20a4, 0xc74f20a3))
        ));
        for bad in ["", "PeterNeumann", "Peter Neumann+c74f20a3+AAAA", "a+b+c"] {
            assert!(Verifier::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_notes_are_refused_with_their_reason() {
        assert_eq!(Note::parse(TEXT), Err(NoteError::Unsigned));
        assert_eq!(
            Note::parse(&NOTE.replace("— ", "- ")),
            Err(NoteError::BadSignatureLine(1))
        );
        assert_eq!(
            Note::parse(&NOTE.replace("problem,", "problem,\r")),
            Err(NoteError::ControlCharacter)
        );
        assert!(matches!(
            Note::parse(&"x".repeat(MAX_NOTE + 1)),
            Err(NoteError::TooLong(_))
        ));
    }

    // C2SP tlog-cosignature's own example: a checkpoint cosigned by
    // witness.example.com/w1, whose signed message the specification spells out.
    const SPEC_BODY: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    const SPEC_CHECKPOINT: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

    #[test]
    fn the_tlog_cosignature_example_reads_as_the_specification_says() {
        let note = Note::parse(SPEC_CHECKPOINT).unwrap();
        assert_eq!(note.text, SPEC_BODY);
        assert_eq!(note.to_text(), SPEC_CHECKPOINT);
        let [log, witness] = note.signatures.as_slice() else {
            panic!("two signatures")
        };
        assert_eq!(log.name, "example.com/behind-the-sofa");
        assert_eq!(log.bytes.len(), 64);
        assert_eq!(witness.name, "witness.example.com/w1");
        assert_eq!(witness.key_id, 0x8d66cf3f);
        // timestamped_signature: the time the specification's message shows, then
        // 64 bytes of Ed25519.
        let (time, sig) = witness.bytes.split_first_chunk::<8>().unwrap();
        assert_eq!(u64::from_be_bytes(*time), 1679315147);
        assert_eq!(sig.len(), 64);
        assert_eq!(
            String::from_utf8(cosigned_message(1679315147, &note.text)).unwrap(),
            "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n\
             CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        );
    }

    #[test]
    fn a_cosignature_verifies_at_its_time_and_not_over_other_text_or_time() {
        let witness =
            NoteSigner::new("witness.example.com/w1", SigType::Cosignature, seed()).unwrap();
        let mut note = Note::parse(SPEC_CHECKPOINT).unwrap();
        note.add(witness.cosign(&note.text.clone(), 1679315147));
        let v = witness.verifier();
        assert_eq!(v.verify_cosignature(&note), Ok(1679315147));
        // Same name and key, type 0x04: the key ID differs from the 0x01 one.
        let plain = NoteSigner::new("witness.example.com/w1", SigType::Ed25519, seed()).unwrap();
        assert_ne!(plain.verifier().key_id(), v.key_id());
        // The time is signed.
        let mut moved = note.clone();
        if let Some(line) = moved.signatures.iter_mut().find(|s| s.key_id == v.key_id()) {
            line.bytes[7] ^= 1;
        }
        assert!(matches!(
            v.verify_cosignature(&moved),
            Err(NoteError::BadSignature(_))
        ));
        // So is the checkpoint.
        let mut other = note.clone();
        other.text = other.text.replace("20852163", "20852164");
        assert!(matches!(
            v.verify_cosignature(&other),
            Err(NoteError::BadSignature(_))
        ));
        let vkey = Verifier::parse(&v.to_vkey()).unwrap();
        assert_eq!(&vkey, v);
    }
}
