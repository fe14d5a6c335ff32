//! Properties of bundle verification, checked with proptest over generated bundles:
//!
//! - every generated bundle verifies, and no tampering with it does: a changed event,
//!   manifest, binding or revocation payload, a changed signature, a deleted,
//!   duplicated, swapped, moved or foreign event, a truncated event list, another
//!   bundle's manifest;
//! - a bit flipped anywhere in a bundle's bytes either stops it verifying or leaves
//!   it meaning exactly the same (the only such flips found change a `keyid` hint);
//! - `bundle::verify`, `json::parse` and `dsse::verify` never panic, on arbitrary
//!   bytes, on edited bundles, and on arbitrary values of the bundle's shape whose
//!   envelopes are, as often as not, genuinely signed by bound keys (so that random
//!   payloads get past the signature check into the event, trust and chain checks).
//!
//! `exhaustive_bit_flips` (ignored: it takes minutes unoptimised) flips every bit of
//! one bundle and prints what became of each flip.
//!
//! By topic: [`tampering`] (and the generated bundles being valid), [`bit_flips`],
//! [`no_panics`] (with the structured inputs of the bundle's shape); [`support`]
//! holds the keys, the generated bundles and what they share.

mod bit_flips;
mod no_panics;
mod support;
mod tampering;
