//! The tampered variants of the demo corpus: one per tamper class, each a scenario's
//! bundle edited on the wire (a payload, a signature, an event moved or dropped) or
//! produced with a twist (an uncertified key, a binding out of its window, a revoked
//! key), with the status and reasons the verifier must report for it.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::stories::{BASTION, CI, OPA, ROTATOR};
use super::{build, def, key, Built, Scenario, Twist};

/// A bundle as it is on the wire, for editing.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Wire {
    custody_bundle: u64,
    manifest: Envelope,
    bindings: Vec<Envelope>,
    revocations: Vec<Envelope>,
    pub(super) events: Vec<Envelope>,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Envelope {
    payload_type: String,
    pub(super) payload: String,
    signatures: Vec<Signature>,
}

#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Signature {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keyid: Option<String>,
    sig: String,
}

pub(super) fn wire(bundle: &str) -> Option<Wire> {
    serde_json::from_str(bundle).ok()
}

/// The bundle JSON, written like [`evidence::producer::BundleBuilder::finish`] writes it (members sorted).
fn unwire(wire: &Wire) -> Option<String> {
    serde_json::to_value(wire).ok().map(|v| v.to_string())
}

/// Builds the scenario `slug`, lets `edit` change it on the wire, and writes it back.
fn edited(slug: &str, edit: impl FnOnce(&Built, &mut Wire) -> Option<()>) -> Option<String> {
    let built = build(def(slug)?, &Twist::default());
    let mut w = wire(&built.json)?;
    edit(&built, &mut w)?;
    unwire(&w)
}

/// The scenario `slug` produced with `twist`.
fn twisted(slug: &str, twist: &Twist) -> Option<String> {
    Some(build(def(slug)?, twist).json)
}

/// Standard padded base64, as [`evidence::producer::BundleBuilder`] writes it.
const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(super) type Variant = fn() -> Option<Scenario>;

pub(super) const VARIANTS: [Variant; 14] = [
    modified_payload,
    modified_signature,
    deleted_event,
    inserted_event,
    reordered_events,
    duplicated_event,
    truncated_tail,
    foreign_manifest,
    key_not_certified,
    key_outside_validity,
    revoked_key,
    keyid_wrong_key,
    malformed_base64,
    wrong_payload_type,
];

fn modified_payload() -> Option<Scenario> {
    let bundle = edited("secrets-export", |built, w| {
        let event = w.events.get_mut(built.mark("export-call")?)?;
        let text = String::from_utf8(BASE64.decode(&event.payload).ok()?).ok()?;
        let altered = text.replace("prod/payments/", "staging/payments/");
        (altered != text).then_some(())?;
        event.payload = BASE64.encode(altered.as_bytes());
        Some(())
    })?;
    Some(Scenario {
        slug: "tampered-modified-payload",
        title: "Secrets export with the tool call's path edited after signing (prod -> staging)",
        summary: "The secrets-export bundle after someone rewrote the vault.kv.export call's \
            arguments from kv prod/payments/ to staging/payments/ to make the export look \
            harmless. The emitter's signature no longer matches the bytes (so the event's key \
            cannot be established either), the altered event drops out of the agent's chain, \
            leaving a gap, and the manifest's Merkle root no longer matches.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec![
            "manifest.root_mismatch",
            "signature.invalid",
            "trust.key_not_certified",
            "chain.not_checked",
            "chain.sequence_gap",
        ],
        expected_findings: Vec::new(),
    })
}

fn modified_signature() -> Option<Scenario> {
    let bundle = edited("privileged-api-jit", |built, w| {
        let event = w.events.get_mut(built.mark("approval-decision")?)?;
        let signature = event.signatures.first_mut()?;
        let mut sig = BASE64.decode(&signature.sig).ok()?;
        *sig.get_mut(17)? ^= 0x01;
        signature.sig = BASE64.encode(&sig);
        Some(())
    })?;
    Some(Scenario {
        slug: "tampered-modified-signature",
        title: "Privileged API call with one bit flipped in the approval's signature",
        summary: "The privileged-api-jit bundle with a single bit changed in the signature of \
            the risk manager's approval decision. The payload is untouched, but the signature \
            no longer verifies, so the approval cannot be relied on; the Merkle root still \
            matches because signatures are not part of an event's digest.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec![
            "signature.invalid",
            "trust.key_not_certified",
            "chain.not_checked",
        ],
        expected_findings: Vec::new(),
    })
}

fn deleted_event() -> Option<Scenario> {
    let bundle = edited("prod-config-change", |built, w| {
        let index = built.mark("delegate")?;
        (index < w.events.len()).then(|| {
            w.events.remove(index);
        })
    })?;
    Some(Scenario {
        slug: "tampered-deleted-event",
        title: "Production config change with the chatbot's hand-off to the agent deleted",
        summary: "The prod-config-change bundle with the chatbot's task.delegate event removed, \
            as if the ops agent had acted on its own. The chatbot's next event now skips a \
            sequence number, and the manifest counts one event more than the bundle holds.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec![
            "manifest.event_count_mismatch",
            "manifest.root_mismatch",
            "chain.sequence_gap",
        ],
        expected_findings: Vec::new(),
    })
}

fn inserted_event() -> Option<Scenario> {
    let donor = build(def("privileged-api-jit")?, &Twist::default());
    let spliced = wire(&donor.json)?
        .events
        .get(donor.mark("approval-decision")?)?
        .clone();
    let bundle = edited("cicd-change-ticket", |built, w| {
        let index = built.mark("cab-request")?;
        (index < w.events.len()).then(|| w.events.insert(index, spliced))
    })?;
    Some(Scenario {
        slug: "tampered-inserted-event",
        title: "CI/CD change with a genuine approval from another incident spliced in",
        summary: "The cicd-change-ticket bundle with an approval.decision copied from the \
            privileged-api-jit bundle inserted before the CAB request. The event is genuinely \
            signed by the approval service, so its signature and trust pass, but it does not \
            fit that service's chain here, lies outside the manifest's time range, and breaks \
            the manifest's count and Merkle root.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec![
            "manifest.event_count_mismatch",
            "manifest.root_mismatch",
            "manifest.time_range_mismatch",
            "chain.missing_start",
            "chain.out_of_order",
        ],
        expected_findings: Vec::new(),
    })
}

fn reordered_events() -> Option<Scenario> {
    let bundle = edited("late-approval", |built, w| {
        let from = built.mark("approval-decision")?;
        let to = built.mark("side-effect")?;
        (from < w.events.len() && to < from).then(|| {
            let moved = w.events.remove(from);
            w.events.insert(to, moved);
        })
    })?;
    Some(Scenario {
        slug: "tampered-reordered-events",
        title: "Late approval with the approval moved in front of the change it approves",
        summary: "The late-approval bundle with the approval decision moved ahead of the side \
            effect, so that reading in bundle order it looks approved beforehand. Both events \
            keep their places in their own emitters' chains, so no chain breaks; the manifest's \
            Merkle root, which fixes the order of all events, does.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec!["manifest.root_mismatch"],
        expected_findings: Vec::new(),
    })
}

fn duplicated_event() -> Option<Scenario> {
    let bundle = edited("revoked-credential-use", |built, w| {
        let index = built.mark("side-effect")?;
        let copy = w.events.get(index)?.clone();
        w.events.insert(index + 1, copy);
        Some(())
    })?;
    Some(Scenario {
        slug: "tampered-duplicated-event",
        title: "Revoked-credential refund with the refund event duplicated",
        summary: "The revoked-credential-use bundle with the refund's side effect included twice, \
            as if two refunds had been made. The copy is byte-identical, so its signature and \
            trust pass; the chain names it a duplicate, its ID repeats, and the manifest's count \
            and root no longer match.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec![
            "manifest.event_count_mismatch",
            "manifest.root_mismatch",
            "chain.duplicate_event",
            "event.duplicate_id",
        ],
        expected_findings: Vec::new(),
    })
}

fn truncated_tail() -> Option<Scenario> {
    let bundle = edited("secrets-export", |built, w| {
        let cut = built.mark("upload-call")?;
        (cut < w.events.len()).then(|| w.events.truncate(cut))
    })?;
    Some(Scenario {
        slug: "tampered-truncated-tail",
        title: "Secrets export with the upload to the paste site cut off the end",
        summary: "The secrets-export bundle with its last five events removed (the upload of the \
            export to an external paste site and everything after) and the manifest left as it \
            was. Every remaining event verifies and every chain is intact; only the manifest's \
            event count and Merkle root show that events are missing.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec!["manifest.event_count_mismatch", "manifest.root_mismatch"],
        expected_findings: Vec::new(),
    })
}

fn foreign_manifest() -> Option<Scenario> {
    let donor = wire(&build(def("token-refresh-vault")?, &Twist::default()).json)?;
    let bundle = edited("multi-agent-pipeline", |_, w| {
        w.manifest = donor.manifest;
        Some(())
    })?;
    Some(Scenario {
        slug: "tampered-foreign-manifest",
        title: "Multi-agent capacity change carrying the manifest of another bundle",
        summary: "The multi-agent-pipeline events under the manifest of the token-refresh-vault \
            bundle. That manifest is genuinely signed by the collector, but it commits to \
            another bundle: its event count, Merkle root, time range and the bindings it \
            covers do not match these.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec![
            "manifest.event_count_mismatch",
            "manifest.statements_mismatch",
            "manifest.root_mismatch",
            "manifest.time_range_mismatch",
        ],
        expected_findings: Vec::new(),
    })
}

fn key_not_certified() -> Option<Scenario> {
    let bundle = twisted(
        "shared-account-gap",
        &Twist {
            bundle_id: Some("bndl-20261112-warehouse-0071-rebuilt-bastion"),
            uncertified: Some(BASTION),
            ..Twist::default()
        },
    )?;
    Some(Scenario {
        slug: "tampered-key-not-certified",
        title: "Shared-account incident with the bastion's events signed by an uncertified key",
        summary: "The shared-account-gap bundle as produced after the bastion host was rebuilt \
            and generated a fresh signing key that the root never certified. The bastion's \
            events cannot be checked against any certified key: their integrity is unknown and \
            their trust fails, so the bundle is untrusted, not verified.",
        bundle,
        expected_status: "untrusted",
        expected_reasons: vec!["trust.key_not_certified", "chain.not_checked"],
        expected_findings: Vec::new(),
    })
}

fn key_outside_validity() -> Option<Scenario> {
    let bundle = twisted(
        "cicd-change-ticket",
        &Twist {
            bundle_id: Some("bndl-20261105-chg-20417-q3-runner-key"),
            window: Some((CI, "2026-07-01T00:00:00Z", "2026-11-01T00:00:00Z")),
            ..Twist::default()
        },
    )?;
    Some(Scenario {
        slug: "tampered-key-outside-validity",
        title: "CI/CD change signed by a runner key whose certification ended on 1 November",
        summary: "The cicd-change-ticket bundle where the CI runner kept signing with its Q3 key, \
            certified only until 2026-11-01T00:00:00Z, four days after that. The signatures are \
            good, but the key was not certified for the runner at the events' times, so the \
            runner's events are not trusted.",
        bundle,
        expected_status: "untrusted",
        expected_reasons: vec!["trust.outside_validity"],
        expected_findings: Vec::new(),
    })
}

fn revoked_key() -> Option<Scenario> {
    let bundle = twisted(
        "token-refresh-vault",
        &Twist {
            bundle_id: Some("bndl-20261103-rotation-4410-revoked-key"),
            revoked: Some((ROTATOR, "2026-11-03T02:05:00Z")),
            ..Twist::default()
        },
    )?;
    Some(Scenario {
        slug: "tampered-revoked-key",
        title: "Vault rotation whose agent key was revoked at 02:05, mid-incident",
        summary: "The token-refresh-vault bundle with a root-signed revocation of the \
            secret-rotator agent's signing key from 2026-11-03T02:05:00Z (its host was flagged). \
            The agent's events before 02:05 are trusted; those after, including its tool calls \
            that rotated the password, are not.",
        bundle,
        expected_status: "untrusted",
        expected_reasons: vec!["trust.key_revoked"],
        expected_findings: Vec::new(),
    })
}

fn keyid_wrong_key() -> Option<Scenario> {
    let opa_keyid = evidence::bundle::keyid(&key(OPA).public_key());
    let bundle = edited("prod-config-change", |built, w| {
        let event = w.events.get_mut(built.mark("gateway-authn")?)?;
        event.signatures.first_mut()?.keyid = Some(opa_keyid);
        Some(())
    })?;
    Some(Scenario {
        slug: "tampered-keyid-wrong-key",
        title: "Production config change with a keyid naming the policy engine's key",
        summary: "The prod-config-change bundle with the keyid hint of one MCP gateway event \
            changed to the policy engine's keyid. A keyid is only a hint: the signature still \
            verifies with the gateway's own certified key, so nothing fails, but the mismatch \
            is reported as a warning.",
        bundle,
        expected_status: "verified_with_warnings",
        expected_reasons: vec!["signature.keyid_mismatch"],
        expected_findings: Vec::new(),
    })
}

fn malformed_base64() -> Option<Scenario> {
    let bundle = edited("multi-agent-pipeline", |built, w| {
        let event = w.events.get_mut(built.mark("validated")?)?;
        // Wrapped at 76 columns, as MIME tools write base64: line breaks are not allowed.
        let wrapped: Vec<String> = event
            .payload
            .as_bytes()
            .chunks(76)
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect();
        event.payload = wrapped.join("\n");
        Some(())
    })?;
    Some(Scenario {
        slug: "tampered-malformed-base64",
        title: "Multi-agent capacity change with an event payload line-wrapped in transit",
        summary: "The multi-agent-pipeline bundle after a tool re-wrapped the validator's verdict \
            payload at 76 columns. Base64 with line breaks is refused, so there are no signed \
            bytes to check: the event fails integrity, the validator's next event no longer \
            follows on, and the Merkle root no longer matches.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec![
            "manifest.root_mismatch",
            "envelope.payload_bad_base64",
            "trust.not_checked",
            "chain.not_checked",
            "chain.sequence_gap",
        ],
        expected_findings: Vec::new(),
    })
}

fn wrong_payload_type() -> Option<Scenario> {
    let bundle = edited("privileged-api-jit", |built, w| {
        w.events.get_mut(built.mark("side-effect")?)?.payload_type =
            "application/vnd.in-toto+json".to_owned();
        Some(())
    })?;
    Some(Scenario {
        slug: "tampered-wrong-payload-type",
        title: "Privileged API call with the side effect's payloadType changed",
        summary:
            "The privileged-api-jit bundle with the payout-limit change's envelope relabelled \
            as an in-toto statement. The payload type is part of what is signed, and an event \
            envelope must carry the event type: the event fails integrity, its trust and chain \
            cannot be checked, and the Merkle root no longer matches.",
        bundle,
        expected_status: "tampered",
        expected_reasons: vec![
            "manifest.root_mismatch",
            "envelope.wrong_payload_type",
            "trust.not_checked",
            "chain.not_checked",
        ],
        expected_findings: Vec::new(),
    })
}
