//! Tampering: every generated bundle verifies, and no tampering with it does (a
//! changed event, manifest, binding or revocation payload, a changed signature, a
//! deleted, duplicated, swapped, moved or foreign event, a truncated event list,
//! another bundle's manifest).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use evidence::bundle::Status;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use crate::support::*;

// ---------------------------------------------------------------------------------
// Tampering.

#[derive(Clone, Debug)]
enum Mutation {
    /// One bit of an event's decoded payload flips; the signature stays.
    EventPayloadBit {
        event: Index,
        bit: Index,
    },
    /// One byte of an event's decoded payload changes; the signature stays.
    EventPayloadByte {
        event: Index,
        at: Index,
        xor: u8,
    },
    /// One bit of the decoded payload of the manifest, a binding or a revocation flips.
    StatementPayloadBit {
        envelope: Index,
        bit: Index,
    },
    /// One bit of any envelope's decoded signature flips.
    SignatureBit {
        envelope: Index,
        bit: Index,
    },
    Delete {
        event: Index,
    },
    /// A copy of an event goes in at a position.
    Duplicate {
        event: Index,
        at: Index,
    },
    Swap {
        a: Index,
        b: Index,
    },
    Move {
        from: Index,
        to: Index,
    },
    /// Only the first `keep` events (fewer than all) remain.
    Truncate {
        keep: Index,
    },
    /// An event of another bundle, signed by a bound key, goes in at a position.
    Foreign {
        event: Index,
        at: Index,
    },
    /// The manifest of another bundle replaces the bundle's.
    ForeignManifest,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<Index>;
    prop_oneof![
        (i(), i()).prop_map(|(event, bit)| Mutation::EventPayloadBit { event, bit }),
        (i(), i(), 1..=u8::MAX).prop_map(|(event, at, xor)| Mutation::EventPayloadByte {
            event,
            at,
            xor
        }),
        (i(), i()).prop_map(|(envelope, bit)| Mutation::StatementPayloadBit { envelope, bit }),
        (i(), i()).prop_map(|(envelope, bit)| Mutation::SignatureBit { envelope, bit }),
        i().prop_map(|event| Mutation::Delete { event }),
        (i(), i()).prop_map(|(event, at)| Mutation::Duplicate { event, at }),
        (i(), i()).prop_map(|(a, b)| Mutation::Swap { a, b }),
        (i(), i()).prop_map(|(from, to)| Mutation::Move { from, to }),
        i().prop_map(|keep| Mutation::Truncate { keep }),
        (i(), i()).prop_map(|(event, at)| Mutation::Foreign { event, at }),
        Just(Mutation::ForeignManifest),
    ]
}

fn events(v: &mut Value) -> &mut Vec<Value> {
    v["events"].as_array_mut().expect("events")
}

/// Applies `f` to the bytes a base64 field decodes to, and writes them back encoded.
fn edit_base64(field: &mut Value, f: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = STANDARD
        .decode(field.as_str().expect("base64 text"))
        .expect("base64");
    f(&mut bytes);
    *field = STANDARD.encode(bytes).into();
}

fn flip_bit(bytes: &mut [u8], bit: &Index) {
    let i = bit.index(bytes.len() * 8);
    bytes[i / 8] ^= 1 << (i % 8);
}

/// Two distinct positions below `n` (`n` ≥ 2).
fn two(a: &Index, b: &Index, n: usize) -> (usize, usize) {
    let i = a.index(n);
    let j = b.index(n - 1);
    (i, if j >= i { j + 1 } else { j })
}

fn mutate(bundle: &str, m: &Mutation, donor: &str) -> String {
    let mut v: Value = serde_json::from_str(bundle).expect("json");
    let donor = || -> Value { serde_json::from_str(donor).expect("json") };
    let n = events(&mut v).len();
    match m {
        Mutation::EventPayloadBit { event, bit } => {
            let e = &mut events(&mut v)[event.index(n)];
            edit_base64(&mut e["payload"], |p| flip_bit(p, bit));
        }
        Mutation::EventPayloadByte { event, at, xor } => {
            let e = &mut events(&mut v)[event.index(n)];
            edit_base64(&mut e["payload"], |p| {
                let i = at.index(p.len());
                p[i] ^= xor;
            });
        }
        Mutation::StatementPayloadBit { envelope, bit } => {
            let mut all = envelopes(&mut v, false);
            let k = envelope.index(all.len());
            edit_base64(&mut all[k]["payload"], |p| flip_bit(p, bit));
        }
        Mutation::SignatureBit { envelope, bit } => {
            let mut all = envelopes(&mut v, true);
            let k = envelope.index(all.len());
            edit_base64(&mut all[k]["signatures"][0]["sig"], |s| flip_bit(s, bit));
        }
        Mutation::Delete { event } => {
            events(&mut v).remove(event.index(n));
        }
        Mutation::Duplicate { event, at } => {
            let copy = events(&mut v)[event.index(n)].clone();
            events(&mut v).insert(at.index(n + 1), copy);
        }
        Mutation::Swap { a, b } => {
            let (i, j) = two(a, b, n);
            events(&mut v).swap(i, j);
        }
        Mutation::Move { from, to } => {
            let (i, j) = two(from, to, n);
            let e = events(&mut v).remove(i);
            events(&mut v).insert(j, e);
        }
        Mutation::Truncate { keep } => events(&mut v).truncate(keep.index(n)),
        Mutation::Foreign { event, at } => {
            let mut d = donor();
            let foreign = events(&mut d);
            let e = foreign[event.index(foreign.len())].clone();
            events(&mut v).insert(at.index(n + 1), e);
        }
        Mutation::ForeignManifest => v["manifest"] = donor()["manifest"].clone(),
    }
    v.to_string()
}
proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_tampered_bundle_never_verifies(
        shape in shape(),
        donor in shape(),
        m in mutation(),
    ) {
        let bundle = build(&shape);
        let clean = verify(bundle.as_bytes()).expect("readable");
        prop_assert_eq!(clean.status(), Status::Verified, "{:?}", clean.reasons());
        let donor = match m {
            Mutation::Foreign { .. } | Mutation::ForeignManifest => build(&Shape {
                salt: shape.salt.wrapping_add(1),
                ..donor
            }),
            _ => String::new(),
        };
        let tampered = mutate(&bundle, &m, &donor);
        prop_assert_ne!(&tampered, &bundle);
        assert_not_verified(tampered.as_bytes())?;
    }
}

#[test]
fn the_generated_bundles_are_valid_with_every_revocation_choice() {
    for revocation in [
        Revocation::None,
        Revocation::Unrelated,
        Revocation::AfterTheEvents,
    ] {
        let bundle = build(&Shape {
            emitters: vec![0, 1, 0, 2, 2, 1, 0],
            revocation,
            salt: 7,
        });
        let report = verify(bundle.as_bytes()).expect("readable");
        assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
    }
}
