//! Bundle parsing and verification on arbitrary bytes: `bundle::verify` against a
//! fixed root, and the strict JSON reader and the DSSE envelope check it rests on.
//! None may panic, overflow or run away, whatever the input.

#![no_main]

use std::sync::OnceLock;

use evidence::bundle::{self, Limits};
use evidence::keys::PublicKey;
use evidence::producer::Signer;
use evidence::{dsse, json};
use libfuzzer_sys::fuzz_target;

/// The root key of the seed corpus (`Signer::from_seed([1; 32])`).
fn root() -> &'static PublicKey {
    static ROOT: OnceLock<PublicKey> = OnceLock::new();
    ROOT.get_or_init(|| Signer::from_seed([1; 32]).public_key())
}

fuzz_target!(|data: &[u8]| {
    let root = root();
    let _ = bundle::verify(data, std::slice::from_ref(root), &Limits::default());
    let _ = json::parse(data, json::DEFAULT_MAX_DEPTH);
    let _ = dsse::verify(data, Some(root));
});
