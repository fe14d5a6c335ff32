//! Keeps `docs/bundle-format.md` and `docs/schema/event.v1.schema.json` honest:
//! the worked example is what the code produces and it verifies; every reason code the
//! crate can emit is in the document's table; the schema names exactly the fields,
//! enums, formats and per-kind rules of `evidence::event`.

#[expect(dead_code, reason = "the test uses only part of the example program")]
#[path = "../examples/spec_example.rs"]
mod spec_example;

use std::collections::BTreeSet;
use std::path::PathBuf;

use base64::Engine as _;
use evidence::bundle::{self, Check, Limits, Status, EVENT_TYPE};
use evidence::event::{ActorType, ApprovalOutcome, Event, Kind, Outcome, Verdict};
use evidence::keys::PublicKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn docs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn doc() -> String {
    read(docs().join("bundle-format.md"))
}

fn schema() -> Value {
    serde_json::from_str(&read(docs().join("schema/event.v1.schema.json"))).expect("schema is JSON")
}

/// The body of the fenced block that follows the line `marker`, each line ended by `\n`.
fn block_after(doc: &str, marker: &str) -> String {
    let mut lines = doc.lines().skip_while(|l| l.trim() != marker);
    assert!(lines.next().is_some(), "the document has no line {marker}");
    let mut lines = lines.skip_while(|l| l.trim().is_empty());
    let fence = lines.next().unwrap_or_default();
    assert!(
        fence.starts_with("```"),
        "{marker} is not followed by a fenced block"
    );
    let mut body = String::new();
    for line in lines.by_ref() {
        if line.trim_end() == "```" {
            return body;
        }
        body.push_str(line);
        body.push('\n');
    }
    panic!("the block after {marker} is not closed");
}

/// The first cell of each row of the table that follows the line `marker`, backticks
/// removed.
fn table_after(doc: &str, marker: &str) -> Vec<String> {
    let mut lines = doc.lines().skip_while(|l| l.trim() != marker);
    assert!(lines.next().is_some(), "the document has no line {marker}");
    lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .filter_map(|row| row.split('|').nth(1))
        .map(|cell| cell.trim().trim_matches('`').to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------
// (a) The worked example.

#[test]
fn the_worked_example_is_what_the_example_program_prints() {
    let doc = doc();
    let hint = "regenerate with `cargo run -p evidence --example spec_example` and paste";
    assert_eq!(
        block_after(&doc, "<!-- example-output -->"),
        spec_example::explanation(),
        "the worked example in docs/bundle-format.md is stale: {hint}"
    );
    assert_eq!(
        block_after(&doc, "<!-- example-bundle -->").trim_end(),
        spec_example::bundle_pretty(),
        "the example bundle in docs/bundle-format.md is stale: {hint}"
    );
}

#[test]
fn the_worked_example_bundle_verifies_against_the_root_key_the_document_prints() {
    let doc = doc();
    let bundle_text = block_after(&doc, "<!-- example-bundle -->");
    let root_text = block_after(&doc, "<!-- example-root-key -->");
    let root = PublicKey::from_text(root_text.trim()).expect("the printed root key reads");

    let report =
        bundle::verify(bundle_text.as_bytes(), &[root], &Limits::default()).expect("readable");
    assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
    assert_eq!(report.status().code(), "verified");
    assert!(report.reasons().is_empty(), "{:?}", report.reasons());
    assert_eq!(report.bundle_id(), Some("bundle-1"));
    assert_eq!(report.events().len(), 2);
    for e in report.events() {
        assert_eq!(
            [&e.integrity, &e.trust, &e.chain, &e.inclusion],
            [&Check::Pass; 4],
            "event {}",
            e.index
        );
    }

    // The same bundle, checked with the document's rules written out again here:
    // the digest is SHA-256 of the PAE, the chain links digests, the manifest's root
    // is RFC 6962's over leaf hashes of the digests.
    let bundle: Value = serde_json::from_str(&bundle_text).expect("JSON");
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload_of = |envelope: &Value| -> Vec<u8> {
        b64.decode(envelope["payload"].as_str().expect("payload"))
            .expect("base64")
    };
    let mut digests: Vec<[u8; 32]> = Vec::new();
    let mut prev = Value::Null;
    for (i, envelope) in bundle["events"]
        .as_array()
        .expect("events")
        .iter()
        .enumerate()
    {
        assert_eq!(envelope["payloadType"], EVENT_TYPE);
        let payload = payload_of(envelope);
        let mut pae = format!(
            "DSSEv1 {} {} {} ",
            EVENT_TYPE.len(),
            EVENT_TYPE,
            payload.len()
        )
        .into_bytes();
        pae.extend_from_slice(&payload);
        let digest: [u8; 32] = Sha256::digest(&pae).into();
        assert_eq!(report.events()[i].digest, hex::encode(digest));

        let event: Value = serde_json::from_slice(&payload).expect("payload JSON");
        assert_eq!(event["seq"], json!(i));
        assert_eq!(event["prev"], prev, "event {i}");
        prev = Value::String(hex::encode(digest));

        // The emitter's key, from the binding for the event's emitter.
        let binding = bundle["bindings"]
            .as_array()
            .expect("bindings")
            .iter()
            .map(|b| serde_json::from_slice::<Value>(&payload_of(b)).expect("binding JSON"))
            .find(|b| b["subject"] == event["emitter"])
            .expect("a binding for the emitter");
        let key: [u8; 32] = hex::decode(binding["key"].as_str().expect("key"))
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key).expect("a point");
        let sig: [u8; 64] = b64
            .decode(envelope["signatures"][0]["sig"].as_str().expect("sig"))
            .expect("base64")
            .try_into()
            .expect("64 bytes");
        key.verify_strict(&pae, &ed25519_dalek::Signature::from_bytes(&sig))
            .expect("the signature is over the PAE");
        digests.push(digest);
    }
    let leaves: Vec<[u8; 32]> = digests
        .iter()
        .map(|d| {
            Sha256::new()
                .chain_update([0u8])
                .chain_update(d)
                .finalize()
                .into()
        })
        .collect();
    let manifest: Value =
        serde_json::from_slice(&payload_of(&bundle["manifest"])).expect("manifest JSON");
    assert_eq!(manifest["merkleRoot"], hex::encode(mth(&leaves)));
    assert_eq!(manifest["eventCount"], json!(leaves.len()));

    // The statements root: the same tree over SHA-256 of each binding's, then each
    // revocation's, PAE, in bundle order.
    let statements: Vec<[u8; 32]> = ["bindings", "revocations"]
        .iter()
        .flat_map(|field| bundle[*field].as_array().expect(field).iter())
        .map(|envelope| {
            let payload_type = envelope["payloadType"].as_str().expect("payloadType");
            let payload = payload_of(envelope);
            let mut pae = format!(
                "DSSEv1 {} {} {} ",
                payload_type.len(),
                payload_type,
                payload.len()
            )
            .into_bytes();
            pae.extend_from_slice(&payload);
            Sha256::new()
                .chain_update([0u8])
                .chain_update(Sha256::digest(&pae))
                .finalize()
                .into()
        })
        .collect();
    assert_eq!(statements.len(), 2, "the example has two bindings");
    assert_eq!(manifest["statementsRoot"], hex::encode(mth(&statements)));
}

/// RFC 6962 §2.1 Merkle Tree Hash over leaf hashes, written from the RFC.
fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            Sha256::new()
                .chain_update([1u8])
                .chain_update(mth(&leaves[..k]))
                .chain_update(mth(&leaves[k..]))
                .finalize()
                .into()
        }
    }
}

// ---------------------------------------------------------------------------------
// (b) Reason codes and statuses.

/// Every reason code the crate can emit: the one list in `evidence::reason`, whose
/// rows are `reason::ALL` (the table the verifier's explanations and the console's
/// help page read) and whose variants are `reason::Code`. A code added to the crate
/// must be added there and to the table in `docs/bundle-format.md`.
fn codes() -> Vec<&'static str> {
    evidence::reason::ALL.iter().map(|r| r.code).collect()
}

/// The file that lists the codes: not scanned, so that a code listed there and
/// emitted nowhere else is found stale.
const TABLE_FILE: &str = "reason.rs";

/// The text of every `evidence/src/**/*.rs` but [`TABLE_FILE`].
fn sources() -> Vec<String> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    // Every file under src, its modules' folders (`findings/`) included.
    let mut files: Vec<PathBuf> = Vec::new();
    let mut folders = vec![src];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("evidence/src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .filter(|path| {
            path.extension().and_then(|e| e.to_str()) == Some("rs")
                && path.file_name().and_then(|n| n.to_str()) != Some(TABLE_FILE)
        })
        .map(read)
        .collect()
}

/// The text of every code the crate emits by naming its `reason::Code` variant
/// (`Code::SignatureInvalid`) outside [`TABLE_FILE`].
fn codes_named_by_variant() -> BTreeSet<String> {
    let sources = sources();
    evidence::reason::Code::ALL
        .iter()
        .filter(|code| {
            let named = format!("Code::{code:?}");
            sources.iter().any(|text| {
                text.match_indices(&named).any(|(at, _)| {
                    !text[at + named.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
        })
        .map(|code| code.code().to_owned())
        .collect()
}

/// Every string literal in `evidence/src/**/*.rs` shaped like a reason code
/// (`word.word`, lowercase, digits and `_`), event kind names and the export key's
/// file name (`server.pub`) aside.
fn code_like_literals() -> BTreeSet<String> {
    let kinds: BTreeSet<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let mut found = BTreeSet::new();
    for text in sources() {
        let bytes = text.as_bytes();
        for (at, _) in text.match_indices('"') {
            let token: Vec<u8> = bytes[at + 1..]
                .iter()
                .take_while(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.'))
                .copied()
                .collect();
            if bytes.get(at + 1 + token.len()) != Some(&b'"') {
                continue;
            }
            let token = String::from_utf8(token).expect("ASCII");
            let Some((area, name)) = token.split_once('.') else {
                continue;
            };
            let shaped = area.starts_with(|c: char| c.is_ascii_lowercase())
                && !name.is_empty()
                && !name.contains('.');
            // The name of the key file an export's archive carries is a file name.
            let file_name = token == evidence::report::KEY_FILE;
            if shaped && !kinds.contains(token.as_str()) && !file_name {
                found.insert(token);
            }
        }
    }
    found
}

#[test]
fn the_reason_table_is_every_code_like_literal_in_the_crate() {
    let listed: BTreeSet<String> = codes().iter().map(|c| c.to_string()).collect();
    let scanned = code_like_literals();
    let emitted: BTreeSet<String> = scanned.union(&codes_named_by_variant()).cloned().collect();
    let unlisted: Vec<&String> = scanned.difference(&listed).collect();
    let stale: Vec<&String> = listed.difference(&emitted).collect();
    assert!(
        unlisted.is_empty(),
        "codes in evidence/src missing from evidence::reason::ALL (add them there and to the doc): {unlisted:?}"
    );
    assert!(
        stale.is_empty(),
        "codes listed in evidence::reason::ALL that evidence/src no longer emits: {stale:?}"
    );
}

#[test]
fn the_reason_code_table_has_every_code_and_no_other() {
    let table = table_after(&doc(), "<!-- reason-codes -->");
    let in_table: BTreeSet<String> = table.iter().cloned().collect();
    assert_eq!(in_table.len(), table.len(), "a code is in the table twice");
    let listed: BTreeSet<String> = codes().iter().map(|c| c.to_string()).collect();
    let missing: Vec<&String> = listed.difference(&in_table).collect();
    let extra: Vec<&String> = in_table.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "codes missing from the table: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "codes in the table the crate cannot emit: {extra:?}"
    );
}

#[test]
fn every_code_is_explained() {
    let unexplained: Vec<&str> = codes()
        .into_iter()
        .filter(|c| bundle::explain(c) == bundle::explain("no.such_code"))
        .collect();
    assert!(
        unexplained.is_empty(),
        "codes bundle::explain does not explain: {unexplained:?}"
    );
}

#[test]
fn each_code_leads_where_the_document_says() {
    use evidence::reason::Effect;
    let doc = doc();
    let mut lines = doc
        .lines()
        .skip_while(|l| l.trim() != "<!-- reason-codes -->");
    assert!(
        lines.next().is_some(),
        "the document has no reason-code table"
    );
    let rows: Vec<(String, String)> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            Some((
                cells.get(1)?.trim_matches('`').to_owned(),
                cells.get(4)?.to_string(),
            ))
        })
        .collect();
    for reason in evidence::reason::ALL {
        let leads_to = rows
            .iter()
            .find(|(code, _)| code == reason.code)
            .map(|(_, leads_to)| leads_to.as_str())
            .unwrap_or_else(|| panic!("{} is not in the document's table", reason.code));
        let agrees = match reason.effect {
            Effect::Refused => ["refused", "not verified", "no excerpt made"]
                .iter()
                .any(|w| leads_to.starts_with(w) || leads_to.starts_with(&format!("envelope {w}"))),
            Effect::Status(status) => leads_to.starts_with(&format!("`{}`", status.code())),
            Effect::NotChecked => !leads_to.starts_with('`') && !leads_to.contains("refused"),
        };
        assert!(
            agrees,
            "{}: the table says it leads to {leads_to:?}, evidence::reason::ALL says {:?}",
            reason.code, reason.effect
        );
    }
}

/// Every status, by an exhaustive match so that a new status fails to compile here.
fn statuses() -> Vec<&'static str> {
    let all = [
        Status::Verified,
        Status::VerifiedWithWarnings,
        Status::Tampered,
        Status::Untrusted,
        Status::Malformed,
    ];
    for s in all {
        match s {
            Status::Verified
            | Status::VerifiedWithWarnings
            | Status::Tampered
            | Status::Untrusted
            | Status::Malformed => {}
        }
    }
    all.iter().map(|s| s.code()).collect()
}

#[test]
fn the_status_table_has_every_status() {
    let table: BTreeSet<String> = table_after(&doc(), "<!-- statuses -->")
        .into_iter()
        .collect();
    let statuses: BTreeSet<String> = statuses().into_iter().map(str::to_owned).collect();
    assert_eq!(table, statuses);
}

// ---------------------------------------------------------------------------------
// (c) The schema.

/// An event with every field, and every field of every nested object, present.
fn full_event() -> Value {
    let actor = |ty: &str, id: &str| {
        json!({
            "type": ty, "id": id, "name": "A name", "session": "sess-1", "instance": "pod-7",
            "model": "model-x", "modelVersion": "2026-01",
        })
    };
    let hash = format!("sha256:{}", "ab".repeat(32));
    json!({
        "emitter": "spiffe://example.org/agent/a",
        "seq": 3,
        "prev": "cd".repeat(32),
        "time": "2026-11-20T10:00:00Z",
        "id": "evt-4",
        "kind": "system",
        "actor": actor("agent", "spiffe://example.org/agent/a"),
        "initiator": actor("human", "alice@example.org"),
        "onBehalfOf": [actor("human", "alice@example.org")],
        "parent": "evt-3",
        "taskId": "task-1",
        "traceId": "trace-1",
        "correlationId": "CHG-1",
        "delegation": { "to": actor("agent", "b"), "scope": ["deploy"] },
        "credential": {
            "tokenId": "jti-1", "issuer": "https://idp.example.org", "subject": "a",
            "scope": ["deploy"], "issuedAt": "2026-11-20T09:00:00Z",
            "expiresAt": "2026-11-20T11:00:00Z", "exchangedFrom": "jti-0",
        },
        "decision": {
            "engine": "opa", "policyId": "deploy", "policyVersion": "7", "decision": "allow",
            "decisionId": "dec-1", "inputHash": hash,
        },
        "decisionRef": "dec-1",
        "approval": {
            "approvalId": "apr-1", "askedOf": [actor("human", "bob@example.org")],
            "decidedBy": actor("human", "bob@example.org"), "decision": "approved",
            "constraints": "business hours",
        },
        "approvalRef": "apr-1",
        "input": { "hash": hash, "text": "in", "mediaType": "text/plain" },
        "output": { "hash": hash, "text": "out", "mediaType": "text/plain" },
        "tool": {
            "name": "kubectl", "argumentsHash": hash, "arguments": { "any": ["json"] },
            "callId": "call-1",
        },
        "request": { "method": "POST", "url": "https://api.example.org/", "status": 200 },
        "change": {
            "resource": "k8s://prod/web", "operation": "update", "summary": "image bumped",
            "beforeHash": hash, "afterHash": hash, "outcome": "success",
        },
        "source": {
            "via": "received", "protocol": "otlp", "receivedAt": "2026-11-20T10:00:01Z",
            "reporter": "agent-runtime", "file": "traces.jsonl",
        },
        "ext": { "vendor": { "any": 1 } },
    })
}

/// Where each `$defs` object of the schema sits in [`full_event`].
const DEFS: &[(&str, &str)] = &[
    ("actor", "/actor"),
    ("credential", "/credential"),
    ("decision", "/decision"),
    ("approval", "/approval"),
    ("delegation", "/delegation"),
    ("content", "/input"),
    ("tool", "/tool"),
    ("request", "/request"),
    ("change", "/change"),
    ("source", "/source"),
];

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// The schema of the object the pointer `def` names: the top level for `""`.
fn object_schema<'a>(schema: &'a Value, def: &str) -> &'a Value {
    if def.is_empty() {
        schema
    } else {
        &schema["$defs"][def]
    }
}

/// Follows `$ref` and the non-null branch of `anyOf`.
fn resolve<'a>(schema: &'a Value, mut node: &'a Value) -> &'a Value {
    loop {
        if let Some(r) = node["$ref"].as_str() {
            let name = r.strip_prefix("#/$defs/").expect("local ref");
            node = &schema["$defs"][name];
        } else if let Some(branches) = node["anyOf"].as_array() {
            node = branches
                .iter()
                .find(|b| b["type"] != "null")
                .expect("a non-null branch");
        } else {
            return node;
        }
    }
}

/// The schema node for the value at `path` in an event.
fn schema_at<'a>(schema: &'a Value, path: &[String]) -> &'a Value {
    let mut node = schema;
    for seg in path {
        let here = resolve(schema, node);
        node = if seg.parse::<usize>().is_ok() {
            &here["items"]
        } else {
            &here["properties"][seg.as_str()]
        };
        assert!(!node.is_null(), "the schema has nothing at {path:?}");
    }
    node
}

fn serde_reads(event: &Value) -> bool {
    serde_json::from_value::<Event>(event.clone()).is_ok()
}

fn valid(event: &Value) -> bool {
    Event::from_value(event.clone()).is_ok()
}

fn without(event: &Value, pointer: &str, key: &str) -> Value {
    let mut e = event.clone();
    if let Some(obj) = e.pointer_mut(pointer).and_then(Value::as_object_mut) {
        obj.remove(key);
    }
    e
}

#[test]
fn the_full_event_is_valid_and_serializes_every_field() {
    let full = full_event();
    let event = Event::from_value(full.clone()).expect("the full event is valid");
    assert_eq!(serde_json::to_value(&event).expect("serializes"), full);
}

#[test]
fn schema_kind_enum_is_kind_all() {
    let schema = schema();
    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let in_schema: Vec<&str> = schema["properties"]["kind"]["enum"]
        .as_array()
        .expect("kind enum")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(in_schema, names);
    for k in Kind::ALL {
        assert_eq!(serde_json::to_value(k).expect("kind"), json!(k.as_str()));
    }
}

#[test]
fn the_kind_table_lists_kind_all_in_order() {
    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(table_after(&doc(), "<!-- kinds -->"), names);
}

#[test]
fn schema_properties_are_the_fields_a_full_event_serializes_to() {
    let schema = schema();
    let event = serde_json::to_value(Event::from_value(full_event()).expect("valid")).expect("ser");
    assert_eq!(keys(&schema["properties"]), keys(&event), "top level");
    for (def, pointer) in DEFS {
        let value = event.pointer(pointer).expect("present");
        assert_eq!(
            keys(&schema["$defs"][def]["properties"]),
            keys(value),
            "$defs/{def}"
        );
    }
}

#[test]
fn schema_objects_are_closed_except_ext_and_arguments() {
    let schema = schema();
    assert_eq!(schema["additionalProperties"], json!(false));
    for (def, _) in DEFS {
        assert_eq!(
            schema["$defs"][def]["additionalProperties"],
            json!(false),
            "$defs/{def}"
        );
    }
    // And the code agrees: an unknown member is refused at every level but those two.
    let full = full_event();
    for pointer in std::iter::once("").chain(DEFS.iter().map(|(_, p)| *p)) {
        let mut e = full.clone();
        e.pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .expect("object")
            .insert("surprise".into(), json!(1));
        assert!(
            !serde_reads(&e),
            "an unknown member at {pointer:?} was accepted"
        );
    }
    for pointer in ["/ext", "/tool/arguments"] {
        let mut e = full.clone();
        e.pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .expect("object")
            .insert("surprise".into(), json!(1));
        assert!(valid(&e), "a producer member under {pointer} was refused");
    }
}

#[test]
fn schema_required_members_are_the_ones_the_code_requires() {
    let schema = schema();
    let full = full_event();
    for (def, pointer) in std::iter::once(("", "")).chain(DEFS.iter().copied()) {
        let object = full.pointer(pointer).expect("present");
        let required: BTreeSet<String> = keys(object)
            .into_iter()
            .filter(|k| !serde_reads(&without(&full, pointer, k)))
            .collect();
        assert_eq!(
            strings(&object_schema(&schema, def)["required"]),
            required,
            "required members of {:?}",
            if def.is_empty() { "the event" } else { def }
        );
    }
}

/// Whether the schema node accepts `null`: a `null` branch, or no constraint at all.
fn schema_allows_null(node: &Value) -> bool {
    let branches = node["anyOf"].as_array();
    if let Some(branches) = branches {
        return branches.iter().any(|b| b["type"] == "null");
    }
    ["type", "$ref", "enum", "const", "allOf", "oneOf"]
        .iter()
        .all(|k| node.get(k).is_none())
}

#[test]
fn schema_allows_null_exactly_where_the_code_reads_it_as_absent() {
    let schema = schema();
    let full = full_event();
    for (def, pointer) in std::iter::once(("", "")).chain(DEFS.iter().copied()) {
        let object = full.pointer(pointer).expect("present");
        for member in keys(object) {
            let mut e = full.clone();
            e.pointer_mut(pointer).expect("present")[member.as_str()] = Value::Null;
            let code_accepts = valid(&e);
            let node = &object_schema(&schema, def)["properties"][member.as_str()];
            assert_eq!(
                schema_allows_null(node),
                code_accepts,
                "{pointer}/{member}: null is {} by the code",
                if code_accepts { "accepted" } else { "refused" }
            );
        }
    }
}

/// The wire names of a Rust enum's variants, by an exhaustive match so that a new
/// variant fails to compile here.
fn wire_names<T: serde::Serialize + Copy>(all: &[T], exhaustive: fn(T)) -> BTreeSet<String> {
    all.iter()
        .map(|v| {
            exhaustive(*v);
            serde_json::to_value(v)
                .expect("serializes")
                .as_str()
                .expect("a string")
                .to_owned()
        })
        .collect()
}

#[test]
fn schema_enums_match_the_rust_enums() {
    let schema = schema();
    let enum_at = |path: &[&str]| -> BTreeSet<String> {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        strings(&resolve(&schema, schema_at(&schema, &path))["enum"])
    };
    let actor_types = wire_names(
        &[
            ActorType::Human,
            ActorType::Agent,
            ActorType::Service,
            ActorType::Tool,
            ActorType::System,
        ],
        |t| match t {
            ActorType::Human
            | ActorType::Agent
            | ActorType::Service
            | ActorType::Tool
            | ActorType::System => {}
        },
    );
    assert_eq!(enum_at(&["actor", "type"]), actor_types);
    let verdicts = wire_names(&[Verdict::Allow, Verdict::Deny], |v| match v {
        Verdict::Allow | Verdict::Deny => {}
    });
    assert_eq!(enum_at(&["decision", "decision"]), verdicts);
    let approvals = wire_names(
        &[ApprovalOutcome::Approved, ApprovalOutcome::Rejected],
        |v| match v {
            ApprovalOutcome::Approved | ApprovalOutcome::Rejected => {}
        },
    );
    assert_eq!(enum_at(&["approval", "decision"]), approvals);
    let outcomes = wire_names(&[Outcome::Success, Outcome::Failure], |v| match v {
        Outcome::Success | Outcome::Failure => {}
    });
    assert_eq!(enum_at(&["change", "outcome"]), outcomes);
}

/// Every string in `v` outside `ext` and `tool.arguments`, with its path.
fn string_leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let here = path.join("/");
    if here == "ext" || here == "tool/arguments" {
        return;
    }
    match v {
        Value::String(_) => out.push(path.clone()),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                string_leaves(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(k.clone());
                string_leaves(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[test]
fn schema_formats_and_enums_are_exactly_the_strings_the_code_checks() {
    let schema = schema();
    let full = full_event();
    let mut leaves = Vec::new();
    string_leaves(&full, &mut Vec::new(), &mut leaves);
    for path in leaves {
        let pointer = format!("/{}", path.join("/"));
        let mut e = full.clone();
        *e.pointer_mut(&pointer).expect("present") = json!("not a valid value");
        let code_refuses = !valid(&e);
        let node = schema_at(&schema, &path);
        let target = resolve(&schema, node);
        let formatted = [
            &schema["$defs"]["hash"],
            &schema["$defs"]["hex64"],
            &schema["$defs"]["time"],
        ]
        .contains(&target);
        let schema_refuses = formatted || target.get("enum").is_some();
        assert_eq!(
            schema_refuses,
            code_refuses,
            "{pointer}: the schema {} it, the code {} it",
            if schema_refuses {
                "constrains"
            } else {
                "does not constrain"
            },
            if code_refuses { "refuses" } else { "accepts" },
        );
    }
}

#[test]
fn schema_per_kind_rules_match_event_check() {
    let schema = schema();
    let rules = schema["allOf"].as_array().expect("allOf of if/then");
    let top_required = strings(&schema["required"]);
    let mut kinds_with_rules = BTreeSet::new();
    for kind in Kind::ALL {
        let name = kind.as_str();
        let mut full = full_event();
        full["kind"] = json!(name);
        assert!(valid(&full), "{name}: the full event is valid");

        // What the schema asks of this kind.
        let applying: Vec<&Value> = rules
            .iter()
            .filter(|r| {
                let k = &r["if"]["properties"]["kind"];
                k["const"] == name || strings(&k["enum"]).contains(name)
            })
            .map(|r| &r["then"])
            .collect();
        assert!(applying.len() <= 1, "{name}: more than one rule");
        let then = applying.first().copied().unwrap_or(&Value::Null);
        if !then.is_null() {
            kinds_with_rules.insert(name);
        }

        // What Event::check asks: members that serde reads without but check refuses.
        let needed: BTreeSet<String> = keys(&full)
            .into_iter()
            .filter(|k| !top_required.contains(k))
            .filter(|k| !valid(&without(&full, "", k)))
            .collect();
        assert_eq!(
            strings(&then["required"]),
            needed,
            "{name}: required members"
        );

        for member in &needed {
            let pointer = format!("/{member}");
            let Some(object) = full.pointer(&pointer).filter(|v| v.is_object()) else {
                continue;
            };
            let nested: BTreeSet<String> = keys(object)
                .into_iter()
                .filter(|k| {
                    let e = without(&full, &pointer, k);
                    serde_reads(&e) && !valid(&e)
                })
                .collect();
            assert_eq!(
                strings(&then["properties"][member.as_str()]["required"]),
                nested,
                "{name}: members required inside {member}"
            );
            // `null` is as good as absent for the code; the schema must refuse it too.
            let mut e = full.clone();
            e[member.as_str()] = Value::Null;
            assert!(!valid(&e), "{name}: {member} null accepted");
            let member_schema = &then["properties"][member.as_str()];
            assert!(
                member_schema.get("$ref").is_some() || member_schema.get("allOf").is_some(),
                "{name}: the schema must require {member} to be an object, not null"
            );
        }
    }
    assert_eq!(rules.len(), 10, "one if/then per group of kinds");
    assert_eq!(kinds_with_rules.len(), 14);
}
