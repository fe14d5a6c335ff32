//! Nothing panics: `bundle::verify`, `json::parse` and `dsse::verify`, on arbitrary
//! bytes, on edited bundles, and on arbitrary values of the bundle's shape whose
//! envelopes are, as often as not, genuinely signed by bound keys (so that random
//! payloads get past the signature check into the event, trust and chain checks).

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use evidence::bundle::{
    self, Check, Report, Status, BINDING_TYPE, EVENT_TYPE, MANIFEST_TYPE, REVOCATION_TYPE,
};
use evidence::{dsse, json as strict_json, merkle};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::support::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn nothing_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        never_panics(&bytes);
    }

    #[test]
    fn nothing_panics_on_an_edited_bundle(
        shape in shape(),
        edits in prop::collection::vec((any::<Index>(), 0..3u8, any::<u8>()), 1..8),
    ) {
        let mut bytes = build(&shape).into_bytes();
        for (at, op, byte) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 => bytes.insert(i, byte),
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ if i < bytes.len() => bytes[i] = byte,
                _ => bytes.push(byte),
            }
        }
        never_panics(&bytes);
    }

    #[test]
    fn nothing_panics_on_values_of_the_bundle_shape(v in bundle_value()) {
        let bytes = serde_json::to_vec(&v).expect("json");
        never_panics(&bytes);
        for env in v.as_object().into_iter().flat_map(|m| m.values()).flat_map(|x| match x {
            Value::Array(a) => a.iter().collect::<Vec<_>>(),
            other => vec![other],
        }) {
            never_panics(env.to_string().as_bytes());
        }
        if let Ok(report) = verify(&bytes) {
            let count = v["events"].as_array().map_or(0, Vec::len);
            consistent(&report, count)?;
        }
    }
}

fn never_panics(bytes: &[u8]) {
    let _ = verify(bytes);
    let _ = strict_json::parse(bytes, 32);
    let _ = strict_json::parse(bytes, usize::MAX);
    let _ = dsse::verify(bytes, Some(&world().root.public_key()));
    let _ = dsse::verify(bytes, None);
}

/// A report agrees with itself: one verdict per event, and a verified status only
/// when every check on every event passed.
fn consistent(report: &Report, count: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(report.events().len(), count);
    for (i, e) in report.events().iter().enumerate() {
        prop_assert_eq!(e.index, i);
        if verified(report.status()) {
            prop_assert_eq!(
                [&e.integrity, &e.trust, &e.chain, &e.inclusion],
                [&Check::Pass; 4]
            );
        }
    }
    match report.status() {
        Status::Verified => prop_assert!(report.reasons().is_empty()),
        Status::VerifiedWithWarnings => prop_assert!(!report.reasons().is_empty()),
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Structured inputs: values of the bundle's shape, with random strings where the
// format has strings, and envelopes genuinely signed as often as not.

const TIMES: [&str; 10] = [
    "2026-11-20T10:00:00Z",
    "2026-11-20T10:00:00+00:00",
    "2026-11-20T10:00:00+01:00",
    "2026-11-20T10:00:00.123456789Z",
    "2026-12-31T23:59:60Z",
    "2026-02-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    NOT_BEFORE,
    NOT_AFTER,
];

const KINDS: [&str; 6] = [
    "system",
    "request",
    "tool.call",
    "policy.decision",
    "approval.decision",
    "credential.issue",
];

const EVENT_FIELDS: [&str; 12] = [
    "initiator",
    "onBehalfOf",
    "parent",
    "delegation",
    "credential",
    "decision",
    "approval",
    "input",
    "tool",
    "change",
    "ext",
    "surprise",
];

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        ".{0,12}",
        "[0-9a-f]{64}",
        "sha256:[0-9a-f]{64}",
        select(&EMITTERS[..]).prop_map(String::from),
        select(&TIMES[..]).prop_map(String::from),
    ]
    .boxed()
}

fn time() -> BoxedStrategy<String> {
    prop_oneof![
        6 => Just("2026-11-20T10:00:00Z".to_owned()),
        3 => select(&TIMES[..]).prop_map(String::from),
        1 => text(),
    ]
    .boxed()
}

fn emitter() -> BoxedStrategy<String> {
    prop_oneof![
        8 => select(&EMITTERS[..]).prop_map(String::from),
        1 => Just(COLLECTOR.to_owned()),
        1 => text(),
    ]
    .boxed()
}

fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

fn object(fields: Vec<(&str, Value)>, extra: BTreeMap<&str, Value>) -> Vec<u8> {
    let mut m = Map::new();
    for (k, v) in fields {
        m.insert(k.to_owned(), v);
    }
    for (k, v) in extra {
        m.insert(k.to_owned(), v);
    }
    Value::Object(m).to_string().into_bytes()
}

/// Rarely, a few fields of `names` with random values.
fn extra_fields(names: &'static [&'static str]) -> BoxedStrategy<BTreeMap<&'static str, Value>> {
    prop_oneof![
        9 => Just(BTreeMap::new()),
        1 => prop::collection::btree_map(select(names), json_value(), 1..3),
    ]
    .boxed()
}

/// An event payload, mostly naming `EMITTERS[emitter]` as its emitter.
fn event_payload(emitter_index: usize) -> BoxedStrategy<Vec<u8>> {
    let named = prop_oneof![
        9 => Just(EMITTERS[emitter_index].to_owned()),
        1 => emitter(),
    ];
    let seq = prop_oneof![8 => 0..3u64, 1 => Just(u64::MAX), 1 => any::<u64>()];
    let prev = prop_oneof![
        6 => Just(Value::Null),
        3 => "[0-9a-f]{64}".prop_map(Value::from),
        1 => json_value(),
    ];
    let kind = prop_oneof![
        12 => select(&KINDS[..2]).prop_map(Value::from),
        4 => select(&KINDS[..]).prop_map(Value::from),
        1 => json_value(),
    ];
    let actor = (
        prop_oneof![
            9 => select(&["system", "agent", "human"][..]).prop_map(String::from),
            1 => text(),
        ],
        emitter(),
    )
        .prop_map(|(t, id)| json!({ "type": t, "id": id }));
    let event = (
        named,
        seq,
        prev,
        time(),
        text(),
        kind,
        actor,
        extra_fields(&EVENT_FIELDS),
    )
        .prop_map(|(emitter, seq, prev, time, id, kind, actor, extra)| {
            object(
                vec![
                    ("emitter", emitter.into()),
                    ("seq", seq.into()),
                    ("prev", prev),
                    ("time", time.into()),
                    ("id", id.into()),
                    ("kind", kind),
                    ("actor", actor),
                ],
                extra,
            )
        });
    prop_oneof![
        18 => event,
        1 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
    ]
    .boxed()
}

fn key_text() -> BoxedStrategy<String> {
    let keys: Vec<String> = signers().iter().map(|s| s.public_key().to_hex()).collect();
    prop_oneof![
        8 => select(keys.clone()),
        1 => select(keys).prop_map(|k| STANDARD.encode(hex::decode(k).expect("hex"))),
        1 => text(),
    ]
    .boxed()
}

fn binding_payload() -> BoxedStrategy<Vec<u8>> {
    let binding = (
        key_text(),
        emitter(),
        time(),
        time(),
        extra_fields(&["key", "surprise"]),
    )
        .prop_map(|(key, subject, from, to, extra)| {
            object(
                vec![
                    ("key", key.into()),
                    ("subject", subject.into()),
                    ("notBefore", from.into()),
                    ("notAfter", to.into()),
                ],
                extra,
            )
        });
    prop_oneof![18 => binding, 1 => json_value().prop_map(|v| v.to_string().into_bytes())].boxed()
}

fn revocation_payload() -> BoxedStrategy<Vec<u8>> {
    let revocation = (key_text(), time(), extra_fields(&["revokedAt", "surprise"])).prop_map(
        |(key, at, extra)| object(vec![("key", key.into()), ("revokedAt", at.into())], extra),
    );
    prop_oneof![18 => revocation, 1 => json_value().prop_map(|v| v.to_string().into_bytes())]
        .boxed()
}

/// How one signature of an envelope is made.
#[derive(Clone, Debug)]
enum Sig {
    /// By a signer of `signers()`, over the envelope's PAE.
    Genuine(usize),
    Bytes(Vec<u8>),
    Text(String),
}

#[derive(Clone, Debug)]
struct Envelope {
    payload_type: String,
    payload: Vec<u8>,
    /// When set, the payload field's text instead of the base64 of `payload`.
    payload_text: Option<String>,
    signatures: Vec<(Option<String>, Sig)>,
}

impl Envelope {
    fn to_value(&self) -> Value {
        let signers = signers();
        let pae = dsse::pae(&self.payload_type, &self.payload);
        let signatures: Vec<Value> = self
            .signatures
            .iter()
            .map(|(keyid, sig)| {
                let sig = match sig {
                    Sig::Genuine(i) => STANDARD.encode(signers[*i].sign(&pae)),
                    Sig::Bytes(b) => STANDARD.encode(b),
                    Sig::Text(t) => t.clone(),
                };
                match keyid {
                    Some(k) => json!({ "keyid": k, "sig": sig }),
                    None => json!({ "sig": sig }),
                }
            })
            .collect();
        json!({
            "payloadType": self.payload_type,
            "payload": self.payload_text.clone().unwrap_or_else(|| STANDARD.encode(&self.payload)),
            "signatures": signatures,
        })
    }
}

/// An envelope of type `ty` over a payload from `payload`, mostly signed by one of
/// the signers at the indices `usual` of `signers()`.
fn envelope(
    ty: &'static str,
    payload: impl Strategy<Value = Vec<u8>> + 'static,
    usual: &'static [usize],
) -> BoxedStrategy<Envelope> {
    let n = signers().len();
    let keyids: Vec<String> = signers()
        .iter()
        .map(|s| bundle::keyid(&s.public_key()))
        .collect();
    let payload_type = prop_oneof![
        18 => Just(ty.to_owned()),
        1 => select(&[EVENT_TYPE, BINDING_TYPE, REVOCATION_TYPE, MANIFEST_TYPE][..]).prop_map(String::from),
        1 => text(),
    ];
    let payload_text = prop_oneof![19 => Just(None), 1 => text().prop_map(Some)];
    let sig = prop_oneof![
        16 => select(usual).prop_map(Sig::Genuine),
        2 => (0..n).prop_map(Sig::Genuine),
        1 => prop::collection::vec(any::<u8>(), 0..80).prop_map(Sig::Bytes),
        1 => text().prop_map(Sig::Text),
    ];
    let keyid = prop_oneof![
        2 => Just(None),
        2 => select(keyids).prop_map(Some),
        1 => text().prop_map(Some),
    ];
    let signatures = prop_oneof![
        1 => Just(Vec::new()),
        18 => prop::collection::vec((keyid.clone(), sig.clone()), 1..=1),
        2 => prop::collection::vec((keyid, sig), 2..4),
    ];
    (payload_type, payload, payload_text, signatures)
        .prop_map(
            |(payload_type, payload, payload_text, signatures)| Envelope {
                payload_type,
                payload,
                payload_text,
                signatures,
            },
        )
        .boxed()
}

/// The manifest's payload, over the events given: with their true count and Merkle
/// root when `honest`, random ones otherwise.
#[derive(Clone, Debug)]
struct ManifestPlan {
    honest: bool,
    bundle_id: String,
    collector: String,
    event_count: u64,
    merkle_root: String,
    times: [String; 3],
    extra: BTreeMap<&'static str, Value>,
}

fn manifest_plan() -> BoxedStrategy<ManifestPlan> {
    (
        prop::bool::weighted(0.8),
        text(),
        prop_oneof![8 => Just(COLLECTOR.to_owned()), 1 => emitter()],
        prop_oneof![3 => 0..8u64, 1 => any::<u64>()],
        prop_oneof!["[0-9a-fA-F]{64}", text()],
        [time(), time(), time()],
        extra_fields(&["bundleId", "surprise"]),
    )
        .prop_map(
            |(honest, bundle_id, collector, event_count, merkle_root, times, extra)| ManifestPlan {
                honest,
                bundle_id,
                collector,
                event_count,
                merkle_root,
                times,
                extra,
            },
        )
        .boxed()
}

impl ManifestPlan {
    fn payload(&self, events: &[Envelope]) -> Vec<u8> {
        let (count, root) = if self.honest {
            let leaves: Vec<merkle::Hash> = events
                .iter()
                .map(|e| {
                    let bytes = match &e.payload_text {
                        None => e.payload.clone(),
                        Some(t) => decode_base64(t).unwrap_or_default(),
                    };
                    let digest: merkle::Hash =
                        Sha256::digest(dsse::pae(&e.payload_type, &bytes)).into();
                    merkle::leaf_hash(&digest)
                })
                .collect();
            (events.len() as u64, hex::encode(merkle::root(&leaves)))
        } else {
            (self.event_count, self.merkle_root.clone())
        };
        let [mut from, mut to, issued] = self.times.clone();
        if self.honest {
            from = "0000-01-01T00:00:00Z".to_owned();
            to = "9999-12-31T23:59:59.999999999Z".to_owned();
        }
        object(
            vec![
                ("bundleId", self.bundle_id.clone().into()),
                ("collector", self.collector.clone().into()),
                ("eventCount", count.into()),
                ("timeFrom", from.into()),
                ("timeTo", to.into()),
                ("merkleRoot", root.into()),
                ("issuedAt", issued.into()),
            ],
            self.extra.clone(),
        )
    }
}

fn bundle_value() -> BoxedStrategy<Value> {
    // Indices into `signers()`: root 0, collector 4.
    const ROOT: &[usize] = &[0];
    const COLLECTING: &[usize] = &[4];
    (
        prop_oneof![9 => Just(1u64), 1 => any::<u64>()],
        manifest_plan(),
        envelope(MANIFEST_TYPE, Just(Vec::new()), COLLECTING),
        prop::bool::weighted(0.8),
        prop::collection::vec(envelope(BINDING_TYPE, binding_payload(), ROOT), 0..4),
        prop::collection::vec(envelope(REVOCATION_TYPE, revocation_payload(), ROOT), 0..3),
        prop::collection::vec(event_envelope(), 0..8),
        prop::bool::weighted(0.7),
        prop::option::weighted(0.05, (text(), json_value())),
    )
        .prop_map(
            |(
                version,
                plan,
                mut manifest,
                bound,
                extra_bindings,
                revocations,
                mut events,
                linked,
                extra,
            )| {
                let mut bindings = if bound {
                    standard_bindings()
                } else {
                    Vec::new()
                };
                bindings.extend(extra_bindings);
                if linked {
                    link(&mut events);
                }
                manifest.payload = plan.payload(&events);
                let all =
                    |list: &[Envelope]| list.iter().map(Envelope::to_value).collect::<Vec<_>>();
                let mut v = json!({
                    "custodyBundle": version,
                    "manifest": manifest.to_value(),
                    "bindings": all(&bindings),
                    "revocations": all(&revocations),
                    "events": all(&events),
                });
                if let (Some((key, value)), Value::Object(m)) = (extra, &mut v) {
                    m.insert(key, value);
                }
                v
            },
        )
        .boxed()
}

/// An event envelope, mostly signed by the key bound to the emitter it names.
fn event_envelope() -> BoxedStrategy<Envelope> {
    // Indices into `signers()` of the emitters' keys.
    const SIGNER: [&[usize]; 3] = [&[1], &[2], &[3]];
    (0..EMITTERS.len())
        .prop_flat_map(|i| envelope(EVENT_TYPE, event_payload(i), SIGNER[i]))
        .boxed()
}

/// Genuine bindings of the emitters' and the collector's keys, through 2026.
fn standard_bindings() -> Vec<Envelope> {
    let w = world();
    w.emitters
        .iter()
        .zip(EMITTERS)
        .chain([(&w.collector, COLLECTOR)])
        .map(|(signer, subject)| Envelope {
            payload_type: BINDING_TYPE.to_owned(),
            payload: json!({
                "key": signer.public_key().to_hex(),
                "subject": subject,
                "notBefore": NOT_BEFORE,
                "notAfter": NOT_AFTER,
            })
            .to_string()
            .into_bytes(),
            payload_text: None,
            signatures: vec![(None, Sig::Genuine(0))],
        })
        .collect()
}

/// Sets `seq` and `prev` of every event payload that names an emitter so that each
/// emitter's events form a chain, as a producer would.
fn link(events: &mut [Envelope]) {
    let mut chains: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for e in events.iter_mut().filter(|e| e.payload_text.is_none()) {
        let Ok(Value::Object(mut payload)) = serde_json::from_slice::<Value>(&e.payload) else {
            continue;
        };
        let Some(emitter) = payload
            .get("emitter")
            .and_then(Value::as_str)
            .map(String::from)
        else {
            continue;
        };
        let (seq, prev) = match chains.get(&emitter) {
            Some((seq, digest)) => (seq.wrapping_add(1), Value::from(digest.clone())),
            None => (0, Value::Null),
        };
        payload.insert("seq".into(), seq.into());
        payload.insert("prev".into(), prev);
        e.payload = Value::Object(payload).to_string().into_bytes();
        let digest = hex::encode(Sha256::digest(dsse::pae(&e.payload_type, &e.payload)));
        chains.insert(emitter, (seq, digest));
    }
}
