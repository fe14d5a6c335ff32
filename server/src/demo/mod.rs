//! The demo corpus: nine signed incident bundles from a fictional payments company,
//! Fernhill Payments (`fernhill.example`), and one tampered (or untrusted) variant of
//! them per tamper class, with what the verifier must say about each.
//!
//! Every bundle is made with [`evidence::producer::BundleBuilder`] from fixed key seeds
//! and fixed whole-second UTC times, and ed25519 signatures are deterministic, so the
//! corpus is byte-identical run to run. The nine incidents verify cleanly: what is wrong
//! with them is in what the evidence says (an approval after the fact, a revoked
//! credential still accepted, a shared account nobody can be tied to), which is what a
//! reviewer is there to see. The variants show what the verifier catches on its own.
//!
//! The keys are for demos only: their seeds are derived from public labels.
//!
//! Here is the machinery: the keys, how a story becomes a signed bundle, and writing
//! and loading the corpus. The incidents themselves (who did what, when) are in
//! [`stories`], one module per incident; the variants, made by editing or re-signing
//! those bundles, are in [`tampered`].

mod stories;
mod tampered;
#[cfg(test)]
mod tests;
pub mod tsa;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use evidence::event::hash_of;
use evidence::producer::{BundleBuilder, Signer};
use serde_json::{json, Map, Value};

use stories::DEFS;

/// One bundle of the corpus and what verifying it against [`root`] must report.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// File name stem, e.g. `prod-config-change`.
    pub slug: &'static str,
    /// One line a reviewer reads.
    pub title: &'static str,
    /// What happened and what to look at, in a few sentences.
    pub summary: &'static str,
    /// The bundle JSON.
    pub bundle: String,
    /// The status the verifier reports ([`evidence::bundle::Status::code`]).
    pub expected_status: &'static str,
    /// The reasons the verifier reports ([`evidence::bundle::Report::reasons`]), in its order.
    pub expected_reasons: Vec<&'static str>,
    /// The rule codes of the attribution-gap findings [`evidence::findings::analyse`]
    /// reports under the default policy, in its order (`docs/findings.md`).
    pub expected_findings: Vec<&'static str>,
}

/// The demo organisation's root key (fixed seed; for demos only).
pub fn root() -> Signer {
    Signer::from_seed(seed("root"))
}

/// The nine incident scenarios, every one a cleanly signed bundle (status "verified"):
/// their problems are in what the evidence says, not in its signatures.
pub fn scenarios() -> Vec<Scenario> {
    DEFS.iter()
        .map(|def| Scenario {
            slug: def.slug,
            title: def.title,
            summary: def.summary,
            bundle: build(def, &Twist::default()).json,
            expected_status: "verified",
            expected_reasons: Vec::new(),
            expected_findings: expected_findings(def.slug),
        })
        .collect()
}

/// The attribution gaps each bundle of the corpus shows under the default policy:
/// rule codes in the order `evidence::findings::analyse` reports them. The three
/// well-evidenced incidents show none.
fn expected_findings(slug: &str) -> Vec<&'static str> {
    let found: &[&'static str] = match slug {
        "late-approval" => &["approval-late"],
        "multi-agent-pipeline" => &["scope-widened", "approval-missing"],
        "prod-config-change" | "secrets-export" | "tampered-keyid-wrong-key" => {
            &["approval-missing"]
        }
        "revoked-credential-use" => &["credential-revoked", "decision-missing"],
        "shared-account-gap" => &["shared-account", "approval-missing"],
        "tampered-deleted-event" => &["chain-broken", "approval-missing", "sequence-gap"],
        "tampered-duplicated-event" => &[
            "chain-broken",
            "credential-revoked",
            "decision-missing",
            "decision-missing",
            "chain-broken",
        ],
        "tampered-foreign-manifest" => &[
            "chain-broken",
            "scope-widened",
            "approval-missing",
            "untrusted",
            "outside-time-range",
        ],
        "tampered-inserted-event" => &[
            "chain-broken",
            "chain-broken",
            "outside-time-range",
            "clock-inversion",
        ],
        "tampered-key-not-certified" => &[
            "shared-account",
            "approval-missing",
            "untrusted",
            "untrusted",
        ],
        "tampered-key-outside-validity" | "tampered-revoked-key" => &["untrusted"],
        "tampered-malformed-base64" => &[
            "chain-broken",
            "unsigned",
            "scope-widened",
            "approval-missing",
            "sequence-gap",
        ],
        "tampered-modified-payload" => &[
            "chain-broken",
            "unsigned",
            "approval-missing",
            "sequence-gap",
        ],
        "tampered-modified-signature" => &["unsigned", "approval-missing"],
        "tampered-reordered-events" => &["chain-broken", "approval-late"],
        "tampered-truncated-tail" => &["chain-broken", "approval-missing"],
        "tampered-wrong-payload-type" => &["chain-broken", "unsigned"],
        // privileged-api-jit, token-refresh-vault, cicd-change-ticket.
        _ => &[],
    };
    found.to_vec()
}

/// One tampered (or untrusted / malformed) variant per tamper class.
pub fn tampered() -> Vec<Scenario> {
    tampered::VARIANTS
        .iter()
        .map(|variant| {
            // Each variant edits a bundle this module has just built, at an event its
            // scenario marked; the tests build every variant, so none returns `None`.
            let mut scenario =
                variant().expect("a demo variant is built from this module's own scenarios");
            scenario.expected_findings = expected_findings(scenario.slug);
            scenario
        })
        .collect()
}

/// Writes every bundle as `DIR/<slug>.bundle.json`, the root public key as
/// `DIR/root.pub` (hex, one line), and `DIR/index.json` listing slug, title, summary,
/// file, expectedStatus and expectedReasons. Returns the files written.
pub fn write(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    let root_file = dir.join("root.pub");
    std::fs::write(&root_file, format!("{}\n", root().public_key().to_hex()))?;
    written.push(root_file);
    let mut index = Vec::new();
    for scenario in scenarios().into_iter().chain(tampered()) {
        let file = format!("{}.bundle.json", scenario.slug);
        let path = dir.join(&file);
        std::fs::write(&path, &scenario.bundle)?;
        written.push(path);
        index.push(json!({
            "slug": scenario.slug,
            "title": scenario.title,
            "summary": scenario.summary,
            "file": file,
            "expectedStatus": scenario.expected_status,
            "expectedReasons": scenario.expected_reasons,
            "expectedFindings": scenario.expected_findings,
        }));
    }
    let index_file = dir.join("index.json");
    let text = serde_json::to_string_pretty(&Value::Array(index)).map_err(std::io::Error::other)?;
    std::fs::write(&index_file, format!("{text}\n"))?;
    written.push(index_file);
    Ok(written)
}

/// Loads the corpus into `db`: the demo root as a trust root, each tampered variant
/// as an incident (critical), then each scenario as one (high severity). Returns how
/// many bundles were loaded.
///
/// The nine realistic scenarios are loaded last so that they are the most recently
/// opened and updated incidents: the incident list's default order (most recently
/// updated first, then the highest number) shows them before the fourteen tampered
/// variants, without any ordering special to the demo. They are numbered after the
/// variants (#15 to #23).
pub async fn load(
    db: &store::Db,
    key: &store::review_log::ServerKey,
    options: store::IngestOptions,
) -> anyhow::Result<usize> {
    use model::Severity;
    use store::review_log::Actor;
    store::trust_roots::add(
        db,
        key,
        Actor::Cli,
        &root().public_key(),
        "Fernhill Payments demo root",
    )
    .await?;
    let tsa = tsa::DemoTsa::new()?;
    let now = chrono::Utc::now().timestamp().unsigned_abs();
    let mut realistic = scenarios();
    for (n, scenario) in realistic.iter_mut().enumerate() {
        // Each realistic bundle stamped by the demo's authority as it is loaded.
        let stamped = tsa.stamp_bundle(scenario.bundle.as_bytes(), now, n as u64 + 1)?;
        scenario.bundle = String::from_utf8(stamped)?;
    }
    let all = tampered()
        .into_iter()
        .map(|s| (s, Severity::Critical, "Tampered demo: "))
        .chain(realistic.into_iter().map(|s| (s, Severity::High, "")));
    let mut loaded = 0;
    for (scenario, severity, prefix) in all {
        ingest_scenario(db, key, scenario, severity, prefix, options).await?;
        loaded += 1;
    }
    Ok(loaded)
}

/// Stores `scenario`'s bundle in a new incident of `severity`, titled after it (after
/// `prefix`), as done by the command line.
async fn ingest_scenario(
    db: &store::Db,
    key: &store::review_log::ServerKey,
    scenario: Scenario,
    severity: model::Severity,
    prefix: &str,
    options: store::IngestOptions,
) -> Result<model::BundleSummary, store::ingest::IngestError> {
    use store::ingest::{ingest, Target, Upload};
    ingest(
        db,
        key,
        store::review_log::Actor::Cli,
        Upload {
            name: format!("{}.bundle.json", scenario.slug),
            bytes: scenario.bundle.into_bytes(),
            target: Target::New {
                title: format!("{prefix}{}", scenario.title),
                description: scenario.summary.to_owned(),
                severity,
            },
        },
        options,
    )
    .await
}

/// The demo's accounts: one per role, and a second access reviewer so that a chain
/// can take two sign-off steps. Name, display name, role, password.
pub const DEMO_USERS: [(&str, &str, model::Role, &str); 5] = [
    (
        "compliance",
        "Casey Compliance",
        model::Role::ComplianceReviewer,
        "compliance-demo-pass",
    ),
    (
        "auditor",
        "Avery Auditor",
        model::Role::Auditor,
        "auditor-demo-pass",
    ),
    (
        "access",
        "Alex Access",
        model::Role::AccessReviewer,
        "access-demo-pass",
    ),
    (
        "access2",
        "Sam Second",
        model::Role::AccessReviewer,
        "access2-demo-pass",
    ),
    ("admin", "Ada Admin", model::Role::Admin, "admin-demo-pass"),
];

/// Makes the demo's accounts ([`DEMO_USERS`]).
pub async fn add_users(
    db: &store::Db,
    key: &store::review_log::ServerKey,
) -> Result<(), store::users::AccountError> {
    for (name, display, role, password) in DEMO_USERS {
        store::users::add(
            db,
            key,
            store::review_log::Actor::Cli,
            name,
            display,
            role,
            password,
        )
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Keys, times and event IDs

/// A 32-byte key seed derived from a public label: fixed, distinct per label.
fn seed(label: &str) -> [u8; 32] {
    let mut seed = [0u8; 32];
    let digest = hash_of(format!("custody demo key v1\n{label}").as_bytes());
    // `hash_of` writes `sha256:` and 64 lowercase hex digits: always 32 bytes.
    let decoded = hex::decode_to_slice(digest.trim_start_matches("sha256:"), &mut seed);
    debug_assert!(decoded.is_ok());
    seed
}

/// The key an emitter (or the collector) signs with: one per emitter ID.
fn key(emitter: &str) -> Signer {
    Signer::from_seed(seed(&format!("emitter {emitter}")))
}

/// Every binding of the corpus holds through Q4 2026 (the organisation rotates
/// component keys quarterly).
const KEYS_FROM: &str = "2026-10-01T00:00:00Z";
const KEYS_UNTIL: &str = "2027-01-01T00:00:00Z";

/// The collector, which signs every manifest.
const COLLECTOR: &str = "spiffe://fernhill.example/custody/collector";

/// Removes `null` members at every depth (the corpus never means `null`).
fn compact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, compact(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(compact).collect()),
        other => other,
    }
}

/// A ULID-style event ID (`evt_` and 26 Crockford base32 digits): the event time in
/// milliseconds, then 80 bits derived from the bundle and the event's position.
fn event_id(bundle_id: &str, n: usize, time: &str) -> String {
    const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let millis = evidence::time::parse(time)
        .and_then(|t| u128::try_from(t.timestamp_millis()).ok())
        .unwrap_or(0);
    let noise = hash_of(format!("{bundle_id}#{n}").as_bytes());
    let random = noise
        .get(7..27)
        .and_then(|h| u128::from_str_radix(h, 16).ok())
        .unwrap_or(0);
    let value = (millis << 80) | random;
    let digits: String = (0..26)
        .rev()
        .map(|i| {
            let index = usize::try_from((value >> (5 * i)) & 31).unwrap_or(0);
            CROCKFORD.get(index).map_or('0', |&b| char::from(b))
        })
        .collect();
    format!("evt_{digits}")
}

// ---------------------------------------------------------------------------------
// Building a bundle

/// One incident: what a reviewer reads about it and how its bundle is made.
struct Def {
    slug: &'static str,
    title: &'static str,
    summary: &'static str,
    bundle_id: &'static str,
    /// The day the events happened (`YYYY-MM-DD`); event times are given as `HH:MM:SS`.
    date: &'static str,
    /// When the collector signed the manifest (`HH:MM:SS` on `date`).
    issued_at: &'static str,
    /// Members every event carries unless it sets them itself.
    task_id: Option<&'static str>,
    trace_id: Option<&'static str>,
    correlation_id: Option<&'static str>,
    events: fn(&mut Story),
}

/// What a variant changes in how a scenario's bundle is produced.
#[derive(Default)]
struct Twist {
    /// Another bundle ID.
    bundle_id: Option<&'static str>,
    /// This emitter signs with a key that no binding names.
    uncertified: Option<&'static str>,
    /// This emitter's binding holds only from the first time until the second.
    window: Option<(&'static str, &'static str, &'static str)>,
    /// The root revokes this emitter's key from this time.
    revoked: Option<(&'static str, &'static str)>,
}

/// A bundle being written: the builder and what the variants need to find events.
struct Story {
    builder: BundleBuilder,
    bundle_id: &'static str,
    date: &'static str,
    common: Map<String, Value>,
    keys: HashMap<String, Signer>,
    /// Emitters in order of first event, for the bindings.
    emitters: Vec<&'static str>,
    uncertified: Option<(&'static str, Signer)>,
    ids: Vec<String>,
    marks: Vec<(&'static str, usize)>,
}

/// A finished bundle, its event IDs in bundle order and the events its scenario marked.
struct Built {
    json: String,
    marks: Vec<(&'static str, usize)>,
}

impl Built {
    fn mark(&self, name: &str) -> Option<usize> {
        self.marks.iter().find(|(m, _)| *m == name).map(|(_, i)| *i)
    }
}

impl Story {
    /// `HH:MM:SS` on the story's day, as an RFC 3339 UTC time.
    fn at(&self, hms: &str) -> String {
        format!("{}T{hms}Z", self.date)
    }

    /// Adds an event of `kind` by `emitter` at `hms`; returns its ID.
    fn ev(&mut self, emitter: &'static str, hms: &str, kind: &str, body: Value) -> String {
        let time = self.at(hms);
        let id = event_id(self.bundle_id, self.ids.len(), &time);
        let mut map = match compact(body) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        for (k, v) in &self.common {
            map.entry(k.clone()).or_insert_with(|| v.clone());
        }
        map.insert("id".into(), id.clone().into());
        map.insert("kind".into(), kind.into());
        if !self.emitters.contains(&emitter) {
            self.emitters.push(emitter);
        }
        let signer = match &self.uncertified {
            Some((rogue_emitter, rogue)) if *rogue_emitter == emitter => rogue,
            _ => &*self
                .keys
                .entry(emitter.to_owned())
                .or_insert_with(|| key(emitter)),
        };
        self.builder.event(signer, emitter, &time, map);
        self.ids.push(id.clone());
        id
    }

    /// Names the last event added, for the variants.
    fn mark(&mut self, name: &'static str) {
        if let Some(last) = self.ids.len().checked_sub(1) {
            self.marks.push((name, last));
        }
    }
}

fn build(def: &Def, twist: &Twist) -> Built {
    let mut common = Map::new();
    for (name, value) in [
        ("taskId", def.task_id),
        ("traceId", def.trace_id),
        ("correlationId", def.correlation_id),
    ] {
        if let Some(value) = value {
            common.insert(name.into(), value.into());
        }
    }
    let mut story = Story {
        builder: BundleBuilder::new(),
        bundle_id: twist.bundle_id.unwrap_or(def.bundle_id),
        date: def.date,
        common,
        keys: HashMap::new(),
        emitters: Vec::new(),
        uncertified: twist
            .uncertified
            .map(|e| (e, Signer::from_seed(seed(&format!("uncertified {e}"))))),
        ids: Vec::new(),
        marks: Vec::new(),
    };
    (def.events)(&mut story);
    let root = root();
    let mut builder = story.builder;
    for emitter in story.emitters.iter().copied().chain([COLLECTOR]) {
        let (from, until) = match twist.window {
            Some((e, from, until)) if e == emitter => (from, until),
            _ => (KEYS_FROM, KEYS_UNTIL),
        };
        builder.bind(&root, &key(emitter).public_key(), emitter, from, until);
    }
    if let Some((emitter, at)) = twist.revoked {
        builder.revoke(&root, &key(emitter).public_key(), at);
    }
    let issued_at = format!("{}T{}Z", def.date, def.issued_at);
    let json = builder.finish(&key(COLLECTOR), COLLECTOR, story.bundle_id, &issued_at);
    Built {
        json,
        marks: story.marks,
    }
}

fn def(slug: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.slug == slug)
}

/// The story told twice: the refund agent's signed bundle, and the OTLP/JSON
/// request its agent framework exported of the same run.
pub fn refund_traces() -> (Scenario, String) {
    let def = &stories::refund_traces::DEF;
    let built = build(def, &Twist::default());
    (
        Scenario {
            slug: def.slug,
            title: def.title,
            summary: def.summary,
            bundle: built.json,
            expected_status: "verified",
            expected_reasons: Vec::new(),
            expected_findings: Vec::new(),
        },
        stories::refund_traces::otlp().to_string(),
    )
}

/// Loads [`refund_traces`] as one incident: the signed bundle, then the traces as
/// the collector receives them (sealed by its key). Returns the incident's number.
pub async fn load_traces(
    db: &store::Db,
    key: &store::review_log::ServerKey,
    collector: &store::collector::Collector,
    options: store::IngestOptions,
) -> anyhow::Result<i64> {
    use store::ingest::Target;
    use store::review_log::Actor;
    let (scenario, otlp) = refund_traces();
    let signed = ingest_scenario(db, key, scenario, model::Severity::High, "", options).await?;
    let request: otel::Request = serde_json::from_str(&otlp)?;
    collector
        .receive(
            db,
            key,
            Actor::Cli,
            store::collector::Batch {
                requests: vec![request],
                via: evidence::event::Via::Received,
                file: None,
            },
            Target::Incident(signed.incident_id),
            options,
        )
        .await?;
    Ok(signed.incident_id)
}

/// Certifies the collector's key with the demo root (until 2100), so that the
/// traces a demo server receives verify.
pub async fn certify_collector(
    db: &store::Db,
    key: &store::review_log::ServerKey,
    collector: &store::collector::Collector,
) -> anyhow::Result<()> {
    let binding = root().binding(
        &collector.public_key(),
        &collector.id,
        "2020-01-01T00:00:00Z",
        "2100-01-01T00:00:00Z",
    );
    collector
        .certify(db, key, store::review_log::Actor::Cli, &binding)
        .await?;
    Ok(())
}

/// The demo's three witnesses (name, key seed): stand-ins for independent parties,
/// so that a demo server shows what a witnessed log looks like.
pub const WITNESSES: [(&str, [u8; 32]); 3] = [
    ("witness.demo-audit.example/w1", [0x31; 32]),
    ("witness.demo-ngo.example/w2", [0x32; 32]),
    ("witness.demo-peer.example/w3", [0x33; 32]),
];

/// The demo's witness policy: its three witnesses, two of whom must cosign.
pub fn witness_policy() -> evidence::tlog::WitnessPolicy {
    evidence::tlog::WitnessPolicy {
        witnesses: WITNESSES
            .iter()
            .filter_map(|(name, seed)| {
                evidence::note::NoteSigner::new(name, evidence::note::SigType::Cosignature, *seed)
                    .ok()
                    .map(|s| s.verifier().clone())
            })
            .collect(),
        quorum: 2,
    }
}

/// An anchor trust file for the demo (as the Verify page and `custody verify --anchors`
/// read it): this server's log key, the demo's witness policy, and the demo's
/// time-stamping authority's certificate.
pub fn anchor_trust(log: &store::tlog::LogKey) -> anyhow::Result<String> {
    let mut out = String::from(
        "# The Custody demo's anchor trust: paste it into the Verify page's anchor trust field.\n\
         # For the demo only: its witnesses and its time-stamping authority are not independent.\n",
    );
    for key in log.trust().logs {
        out.push_str(&format!("log {}\n", key.to_hex()));
    }
    out.push_str(&witness_policy().to_text());
    out.push_str(&tsa::DemoTsa::new()?.certificate_pem()?);
    Ok(out)
}

/// The first two demo witnesses cosign the log's checkpoint as it stands (the third
/// is "offline"), as `custody witness` would.
pub async fn witness(db: &store::Db, log: &store::tlog::LogKey) -> anyhow::Result<()> {
    let text = store::tlog::checkpoint(db, log).await?;
    let mut note = evidence::note::Note::parse(&text)?;
    let body = note.text.clone();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for (name, seed) in WITNESSES.iter().take(2) {
        let signer =
            evidence::note::NoteSigner::new(name, evidence::note::SigType::Cosignature, *seed)?;
        note.add(signer.cosign(&body, now));
    }
    store::tlog::cosign(db, log, &note.to_text()).await?;
    Ok(())
}
