//! Many ed25519 signatures checked at once, with exactly the answer
//! [`keys::verify_strict`] gives for each.
//!
//! For a signature `(R, S)` by key `A` over message `M`, with `k = SHA-512(R ‖ A ‖ M)`,
//! `verify_strict` accepts iff `S < L`, neither `A` nor `R` is of small order, and
//! `[S]B − [k]A` encodes to exactly the bytes of `R`. Here:
//!
//! 1. Each signature gets, alone, every check `verify_strict` makes before its
//!    equation: `S` canonical, `R` a canonical encoding of a point not of small order,
//!    `A` not of small order. A key that is not torsion-free, and every signature that
//!    fails these checks, is decided by `verify_strict` alone.
//! 2. The equations `[S_i]B − R_i − [k_i]A_i = 0` are checked together with 128-bit
//!    weights `z_i` derived from every signature in the batch (so they cannot be chosen
//!    after the fact): `[Σ z_i S_i]B − Σ z_i R_i − Σ_A (Σ z_i k_i) A = 0`, keys merged.
//! 3. That sum can hide an `R_i` that carries a small-order component (only its own
//!    signer can make one), which `verify_strict` refuses. Every `R_i` is therefore
//!    shown torsion-free: 64 random subset sums of the `R_i`, each multiplied by the
//!    group order, must all be the identity; a torsion component survives each with
//!    probability at least 1/2.
//!
//! When the batch holds, every signature in it holds under `verify_strict` except with
//! probability below 2^-64; when it does not, each signature is checked alone with
//! `verify_strict`, which names the failures. So the answer is `verify_strict`'s.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};

use crate::keys::{self, PublicKey};

/// One signature to check: the index of its key in the key list, the exact message
/// signed, and the 64 signature bytes.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    /// Index into the key list given to [`verify`].
    pub key: usize,
    /// The signed message, as received.
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a [u8; 64],
}

/// Signatures per batch equation: large enough to amortise, small enough that one
/// bad signature sends few others to the slow path.
pub const BATCH: usize = 8192;

/// Checks every item; `true` where the signature holds. An item whose key index is
/// out of range is `false`.
pub fn verify(keys: &[PublicKey], items: &[Item<'_>]) -> Vec<bool> {
    let prepared: Vec<Option<KeyPoint>> = keys.iter().map(KeyPoint::new).collect();
    let alone = |item: &Item<'_>| {
        keys.get(item.key)
            .is_some_and(|key| keys::verify_strict(key, item.message, item.signature).is_ok())
    };
    let mut out = vec![false; items.len()];
    let mut pending = Vec::with_capacity(items.len());
    for (at, item) in items.iter().enumerate() {
        match prepared.get(item.key) {
            Some(Some(key)) => {
                if let Some((r, s, k)) = precheck(key, item) {
                    let r_bytes = item.signature.first_chunk().copied().unwrap_or_default();
                    pending.push(Pending {
                        at,
                        key: item.key,
                        r,
                        r_bytes,
                        s,
                        k,
                    });
                }
            }
            Some(None) => {
                if let Some(slot) = out.get_mut(at) {
                    *slot = alone(item);
                }
            }
            None => {}
        }
    }
    // The torsion test costs little per signature but a fixed amount per call, so it
    // runs once over everything; only when it fails is it repeated per batch.
    let all_torsion_free = torsion_free(&pending);
    for batch in pending.chunks(BATCH) {
        let holds = equation_holds(&prepared, batch) && (all_torsion_free || torsion_free(batch));
        for p in batch {
            if let (Some(slot), Some(item)) = (out.get_mut(p.at), items.get(p.at)) {
                *slot = holds || alone(item);
            }
        }
    }
    out
}

/// `items` and their `keys` as one run of bytes, for a worker that shares no memory
/// with this one (in a browser, where threads cannot start) to check with
/// [`verify_packed`]: the key count (u32, little-endian) and each key's 32 bytes, then
/// the item count and each item's key index, 64 signature bytes, message length and
/// message. An item whose key index is out of range keeps it: it stays `false`.
pub fn pack(keys: &[PublicKey], items: &[Item<'_>]) -> Vec<u8> {
    let size = 8 + 32 * keys.len() + items.iter().map(|i| 72 + i.message.len()).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    let len = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes();
    out.extend_from_slice(&len(keys.len()));
    for key in keys {
        out.extend_from_slice(&key.to_bytes());
    }
    out.extend_from_slice(&len(items.len()));
    for item in items {
        out.extend_from_slice(&len(item.key));
        out.extend_from_slice(item.signature);
        out.extend_from_slice(&len(item.message.len()));
        out.extend_from_slice(item.message);
    }
    out
}

/// Checks a batch [`pack`] made, as [`verify`] does: one byte per item, 1 where its
/// signature holds and 0 where it does not; `None` when `packed` is not such a batch.
pub fn verify_packed(packed: &[u8]) -> Option<Vec<u8>> {
    let mut rest = packed;
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let number = |bytes: &[u8]| -> Option<usize> {
        usize::try_from(u32::from_le_bytes(bytes.try_into().ok()?)).ok()
    };
    let key_count = number(take(4)?)?;
    let mut keys = Vec::with_capacity(key_count.min(packed.len() / 32));
    for _ in 0..key_count {
        keys.push(PublicKey::from_slice(take(32)?).ok()?);
    }
    let count = number(take(4)?)?;
    let mut items = Vec::with_capacity(count.min(packed.len() / 72));
    for _ in 0..count {
        let key = number(take(4)?)?;
        let signature = take(64)?.try_into().ok()?;
        let len = number(take(4)?)?;
        items.push(Item {
            key,
            signature,
            message: take(len)?,
        });
    }
    if !rest.is_empty() {
        return None;
    }
    Some(verify(&keys, &items).into_iter().map(u8::from).collect())
}

/// A key fit for batching: not of small order and torsion-free.
#[derive(Clone, Copy)]
struct KeyPoint {
    point: EdwardsPoint,
    bytes: [u8; 32],
}

impl KeyPoint {
    fn new(key: &PublicKey) -> Option<KeyPoint> {
        let bytes = key.to_bytes();
        let point = CompressedEdwardsY(bytes).decompress()?;
        (!point.is_small_order() && point.is_torsion_free()).then_some(KeyPoint { point, bytes })
    }
}

/// A signature that passed the checks made alone and waits for the batch.
struct Pending {
    at: usize,
    key: usize,
    r: EdwardsPoint,
    r_bytes: [u8; 32],
    s: Scalar,
    k: Scalar,
}

/// R, S and the challenge k of a signature that passed the checks `verify_strict`
/// makes before its equation; `None` where it refuses the signature on those alone.
fn precheck(key: &KeyPoint, item: &Item<'_>) -> Option<(EdwardsPoint, Scalar, Scalar)> {
    let mut r_bytes = [0u8; 32];
    let mut s_bytes = [0u8; 32];
    let (r_part, s_part) = item.signature.split_at(32);
    r_bytes.copy_from_slice(r_part);
    s_bytes.copy_from_slice(s_part);
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes))?;
    if !canonical_y(&r_bytes) {
        return None;
    }
    let r = CompressedEdwardsY(r_bytes).decompress()?;
    if r.is_small_order() {
        return None;
    }
    let mut h = Sha512::new();
    h.update(r_bytes);
    h.update(key.bytes);
    h.update(item.message);
    let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
    Some((r, s, k))
}

/// Whether the y-coordinate in an encoding (sign bit aside) is below p = 2^255 − 19.
/// The only other non-canonical encodings have x = 0 and the sign bit set; those
/// points are of small order and refused anyway.
fn canonical_y(bytes: &[u8; 32]) -> bool {
    let (low, rest) = bytes.split_at(1);
    let (middle, top) = rest.split_at(30);
    let all_ones = middle.iter().all(|b| *b == 0xff) && top.iter().all(|b| b & 0x7f == 0x7f);
    !(all_ones && low.iter().all(|b| *b >= 0xed))
}

/// A stream of bytes that every signature in the batch determines.
struct Transcript {
    seed: [u8; 64],
}

impl Transcript {
    fn new(pending: &[Pending], prepared: &[Option<KeyPoint>]) -> Transcript {
        let mut h = Sha512::new();
        h.update(b"custody batch ed25519 v1");
        for p in pending {
            h.update(p.r_bytes);
            h.update(p.s.as_bytes());
            h.update(p.k.as_bytes());
            if let Some(Some(key)) = prepared.get(p.key) {
                h.update(key.bytes);
            }
        }
        Transcript {
            seed: h.finalize().into(),
        }
    }

    /// `count` pseudo-random strings of `width` bytes, for `label`: SHA-512 of the
    /// seed, the label and a counter, one 64-byte block after another.
    fn expand(&self, label: &[u8], count: usize, width: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(count * width + 64);
        let mut counter = 0u64;
        while out.len() < count * width {
            let mut h = Sha512::new();
            h.update(self.seed);
            h.update(label);
            h.update(counter.to_le_bytes());
            out.extend_from_slice(&h.finalize());
            counter += 1;
        }
        out
    }
}

fn equation_holds(prepared: &[Option<KeyPoint>], pending: &[Pending]) -> bool {
    let transcript = Transcript::new(pending, prepared);
    let mut key_coefficients = vec![Scalar::ZERO; prepared.len()];
    let mut b_coefficient = Scalar::ZERO;
    let mut scalars = Vec::with_capacity(pending.len() + prepared.len() + 1);
    let mut points = Vec::with_capacity(pending.len() + prepared.len() + 1);
    let weights = transcript.expand(b"z", pending.len(), 16);
    for (p, bytes) in pending.iter().zip(weights.chunks_exact(16)) {
        let mut z = [0u8; 32];
        z.iter_mut().zip(bytes).for_each(|(d, s)| *d = *s);
        let z = Scalar::from_bytes_mod_order(z);
        b_coefficient += z * p.s;
        if let Some(c) = key_coefficients.get_mut(p.key) {
            *c += z * p.k;
        }
        // `z` times `−R` rather than `−z` times `R`: `z` is 128 bits, `−z` 253, and
        // the multiscalar multiplication skips a scalar's zero digits.
        scalars.push(z);
        points.push(-p.r);
    }
    for (c, key) in key_coefficients.iter().zip(prepared) {
        if let (Some(key), false) = (key, *c == Scalar::ZERO) {
            scalars.push(-c);
            points.push(key.point);
        }
    }
    scalars.push(b_coefficient);
    points.push(ED25519_BASEPOINT_POINT);
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}

/// Every R is torsion-free, shown by 64 random subset sums: bucketed eight rounds at a
/// time (each R is added to the bucket its 8 mask bits name, then each round sums the
/// buckets whose bit is set), each sum multiplied by the group order.
fn torsion_free(pending: &[Pending]) -> bool {
    if pending.is_empty() {
        return true;
    }
    let mut h = Sha512::new();
    h.update(b"custody batch torsion v1");
    for p in pending {
        h.update(p.r_bytes);
    }
    let transcript = Transcript {
        seed: h.finalize().into(),
    };
    let masks = transcript.expand(b"mask", pending.len(), 8);
    let minus_one = -Scalar::ONE;
    for round in 0..8 {
        let mut buckets = vec![EdwardsPoint::identity(); 256];
        for (p, mask) in pending.iter().zip(masks.chunks_exact(8)) {
            let byte = mask.get(round).copied().unwrap_or(0);
            if let Some(b) = buckets.get_mut(usize::from(byte)) {
                *b += p.r;
            }
        }
        for bit in 0..8 {
            let sum: EdwardsPoint = buckets
                .iter()
                .enumerate()
                .filter(|(index, _)| index & (1 << bit) != 0)
                .map(|(_, b)| b)
                .sum();
            // [L]Q = [L − 1]Q + Q: the scalar type holds only values below L.
            let times_order = EdwardsPoint::vartime_multiscalar_mul([minus_one], [sum]) + sum;
            if !times_order.is_identity() {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;

    /// A signer with its secret scalar in hand, to make signatures no honest signer
    /// makes: ones whose R carries a small-order component.
    struct Raw {
        a: Scalar,
        public: [u8; 32],
    }

    impl Raw {
        fn new(seed: u8) -> Raw {
            let a = Scalar::from_bytes_mod_order_wide(&Sha512::digest([seed]).into());
            let public = (&a * ED25519_BASEPOINT_TABLE).compress().to_bytes();
            Raw { a, public }
        }
        fn key(&self) -> PublicKey {
            PublicKey::from_slice(&self.public).unwrap()
        }
        /// A signature over `message` with nonce `[r]B + torsion`.
        fn sign(&self, message: &[u8], nonce: u64, torsion: EdwardsPoint) -> [u8; 64] {
            let r = Scalar::from_bytes_mod_order_wide(
                &Sha512::digest([&nonce.to_le_bytes()[..], message].concat()).into(),
            );
            let big_r = (&r * ED25519_BASEPOINT_TABLE + torsion).compress();
            let mut h = Sha512::new();
            h.update(big_r.as_bytes());
            h.update(self.public);
            h.update(message);
            let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
            let s = r + k * self.a;
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(big_r.as_bytes());
            sig[32..].copy_from_slice(s.as_bytes());
            sig
        }
    }

    fn point(hex_text: &str) -> EdwardsPoint {
        let bytes: [u8; 32] = hex::decode(hex_text).unwrap().try_into().unwrap();
        CompressedEdwardsY(bytes).decompress().unwrap()
    }

    /// Points of order 2, 4 and 8.
    fn torsion_points() -> [EdwardsPoint; 3] {
        let points = [
            point("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
            point("0000000000000000000000000000000000000000000000000000000000000000"),
            point("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        ];
        for p in &points {
            assert!(p.is_small_order() && !p.is_identity());
        }
        points
    }

    fn messages(n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|i| format!("event {i}").into_bytes()).collect()
    }

    #[test]
    fn good_signatures_hold_in_batch_and_a_bad_one_is_named() {
        let signers = [Raw::new(1), Raw::new(2), Raw::new(3)];
        let keys: Vec<PublicKey> = signers.iter().map(Raw::key).collect();
        let msgs = messages(1200);
        let mut sigs: Vec<[u8; 64]> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| signers[i % 3].sign(m, i as u64, EdwardsPoint::identity()))
            .collect();
        let items = |sigs: &[[u8; 64]]| -> Vec<bool> {
            let items: Vec<Item<'_>> = msgs
                .iter()
                .zip(sigs)
                .enumerate()
                .map(|(i, (m, s))| Item {
                    key: i % 3,
                    message: m,
                    signature: s,
                })
                .collect();
            verify(&keys, &items)
        };
        assert!(items(&sigs).iter().all(|ok| *ok));
        sigs[700][40] ^= 1;
        sigs[5][3] ^= 0x10;
        let got = items(&sigs);
        let failed: Vec<usize> = (0..got.len()).filter(|i| !got[*i]).collect();
        assert_eq!(failed, vec![5, 700]);
    }

    #[test]
    fn a_nonce_with_a_small_order_component_is_refused_as_verify_strict_refuses_it() {
        let signer = Raw::new(7);
        let keys = [signer.key()];
        let msgs = messages(40);
        let mut equation_alone_would_have_passed = 0;
        for torsion in torsion_points() {
            for trial in 0..16u64 {
                let sigs: Vec<[u8; 64]> = msgs
                    .iter()
                    .enumerate()
                    .map(|(i, m)| {
                        let t = if i == 17 {
                            torsion
                        } else {
                            EdwardsPoint::identity()
                        };
                        signer.sign(m, trial * 1000 + i as u64, t)
                    })
                    .collect();
                let items: Vec<Item<'_>> = msgs
                    .iter()
                    .zip(&sigs)
                    .map(|(m, s)| Item {
                        key: 0,
                        message: m,
                        signature: s,
                    })
                    .collect();
                assert!(keys::verify_strict(&keys[0], &msgs[17], &sigs[17]).is_err());
                let got = verify(&keys, &items);
                assert!(!got[17], "torsion {torsion:?} trial {trial} accepted");
                assert_eq!(got.iter().filter(|ok| **ok).count(), 39);

                let prepared = [KeyPoint::new(&keys[0])];
                let pending: Vec<Pending> = items
                    .iter()
                    .enumerate()
                    .map(|(at, item)| {
                        let (r, s, k) = precheck(prepared[0].as_ref().unwrap(), item).unwrap();
                        Pending {
                            at,
                            key: 0,
                            r,
                            r_bytes: item.signature[..32].try_into().unwrap(),
                            s,
                            k,
                        }
                    })
                    .collect();
                equation_alone_would_have_passed +=
                    usize::from(equation_holds(&prepared, &pending));
                assert!(!torsion_free(&pending));
            }
        }
        // The weighted equation alone misses such a nonce about half the time for order 2:
        // the torsion test is what refuses it.
        assert!(equation_alone_would_have_passed > 0);
    }

    #[test]
    fn checks_made_alone_refuse_what_verify_strict_refuses() {
        let signer = Raw::new(9);
        let keys = [signer.key()];
        let msg = b"m".to_vec();
        let good = signer.sign(&msg, 1, EdwardsPoint::identity());
        // S not reduced: S + L.
        let mut unreduced = good;
        let l: [u8; 32] =
            hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
                .unwrap()
                .try_into()
                .unwrap();
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(unreduced[32 + i]) + u16::from(l[i]) + carry;
            unreduced[32 + i] = v as u8;
            carry = v >> 8;
        }
        // R of small order, and R not canonical.
        let mut small_r = good;
        small_r[..32].copy_from_slice(&[0u8; 32]);
        let mut noncanonical_r = good;
        noncanonical_r[..32].copy_from_slice(
            &hex::decode("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
                .unwrap(),
        );
        for sig in [unreduced, small_r, noncanonical_r] {
            let item = Item {
                key: 0,
                message: &msg,
                signature: &sig,
            };
            assert!(keys::verify_strict(&keys[0], &msg, &sig).is_err());
            assert_eq!(verify(&keys, &[item]), vec![false]);
        }
        let item = Item {
            key: 0,
            message: &msg,
            signature: &good,
        };
        assert_eq!(verify(&keys, &[item]), vec![true]);
        let missing_key = Item {
            key: 3,
            message: &msg,
            signature: &good,
        };
        assert_eq!(verify(&keys, &[missing_key]), vec![false]);
    }
}
