//! The server's collector: the key it signs received and imported traces with, its
//! binding to an organisation root (which an admin gives, kept in the settings), and
//! a receipt sealed into a bundle and stored like any upload.

use std::sync::Arc;

use crate::ingest::{self, IngestError, Target, Upload};
use crate::review_log::{Actor, Entry, Recorder, ServerKey};
use crate::{Db, StoreError};
use evidence::event::Via;
use evidence::producer::Signer;
use model::{BundleSummary, CollectorState, CollectorStatus};

/// The ID the collector's key is bound to when none is configured.
pub const DEFAULT_ID: &str = "custody-collector";

/// The collector: its key, the ID the key is bound to, and the OTLP limits.
#[derive(Clone)]
pub struct Collector {
    signer: Arc<Signer>,
    /// The ID its key is bound to.
    pub id: String,
    /// What one OTLP request or file message may hold.
    pub limits: otel::Limits,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("id", &self.id)
            .field("public_key", &self.signer.public_key().to_hex())
            .finish()
    }
}

impl Collector {
    /// The collector with this secret key seed.
    pub fn from_seed(seed: [u8; 32], id: &str, limits: otel::Limits) -> Self {
        Collector {
            signer: Arc::new(Signer::from_seed(seed)),
            id: id.to_owned(),
            limits,
        }
    }

    /// Its public key.
    pub fn public_key(&self) -> evidence::keys::PublicKey {
        self.signer.public_key()
    }

    /// A bundle of `events` with `binding`, sealed now.
    fn seal(
        &self,
        events: Vec<otel::Mapped>,
        binding: Option<&str>,
        at: &str,
    ) -> Result<String, String> {
        let mut nonce = [0u8; 8];
        let _ = getrandom::fill(&mut nonce);
        otel::seal(
            events,
            &otel::Collector {
                signer: &self.signer,
                id: &self.id,
                binding,
            },
            &format!("otlp-{at}-{}", hex::encode(nonce)),
            at,
        )
    }

    /// Whether `binding` certifies this collector's key now, against `roots`: the
    /// verdict of an empty bundle sealed with it, as every verifier reaches it.
    pub fn check(&self, binding: &str, roots: &[model::TrustRoot]) -> CollectorStatus {
        let mut status = CollectorStatus {
            id: self.id.clone(),
            public_key: self.public_key().to_hex(),
            state: CollectorState::NotTrusted,
            root: None,
            not_before: None,
            not_after: None,
            why: None,
        };
        // Each root with its key, so that a root whose key does not read is skipped
        // without shifting the others.
        let trusted: Vec<(&model::TrustRoot, evidence::keys::PublicKey)> = roots
            .iter()
            .filter_map(|r| {
                evidence::keys::PublicKey::from_text(&r.public_key)
                    .ok()
                    .map(|k| (r, k))
            })
            .collect();
        let keys: Vec<evidence::keys::PublicKey> = trusted.iter().map(|(_, k)| *k).collect();
        // The trusted root that signed it, and what it certifies, as that root signed it.
        let signed = trusted.iter().find_map(|(r, k)| {
            evidence::dsse::verify(binding.trim().as_bytes(), Some(k))
                .ok()
                .map(|e| (*r, e))
        });
        if let Some((root, envelope)) = signed {
            status.root = Some(format!("{} ({})", root.keyid, root.label));
            let payload = serde_json::from_slice::<serde_json::Value>(envelope.payload()).ok();
            let member = |name: &str| {
                payload
                    .as_ref()
                    .and_then(|v| v[name].as_str().map(str::to_owned))
            };
            status.not_before = member("notBefore");
            status.not_after = member("notAfter");
        }
        let at = now();
        let probe = match self.seal(Vec::new(), Some(binding), &at) {
            Ok(p) => p,
            Err(e) => {
                status.why = Some(e);
                return status;
            }
        };
        match evidence::bundle::verify(
            probe.as_bytes(),
            &keys,
            &evidence::bundle::Limits::default(),
        ) {
            Ok(report) if report.status() == evidence::bundle::Status::Verified => {
                status.state = CollectorState::Certified;
            }
            Ok(report) => {
                status.why = Some(
                    report
                        .reasons()
                        .iter()
                        .map(|code| match evidence::reason::find(code) {
                            Some(r) => format!("{code}: {}", r.meaning),
                            None => (*code).to_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
            Err(e) => status.why = Some(e.to_string()),
        }
        status
    }

    /// Its status: certified by the stored binding against the trust roots, or not.
    pub async fn status(&self, db: &Db) -> Result<CollectorStatus, StoreError> {
        let roots = crate::trust_roots::list(db).await?;
        Ok(match binding(db).await? {
            Some(binding) => self.check(&binding, &roots),
            None => CollectorStatus {
                id: self.id.clone(),
                public_key: self.public_key().to_hex(),
                state: CollectorState::NotCertified,
                root: None,
                not_before: None,
                not_after: None,
                why: Some("no binding was given: an admin certifies the collector's key with an organisation root on the Settings page".into()),
            },
        })
    }

    /// Stores `binding` as the collector's, when it certifies the key now against
    /// the trust roots; else says why not and stores nothing.
    pub async fn certify(
        &self,
        db: &Db,
        key: &ServerKey,
        by: Actor<'_>,
        binding: &str,
    ) -> Result<CollectorStatus, CertifyError> {
        let roots = crate::trust_roots::list(db).await?;
        let status = self.check(binding, &roots);
        if status.state != CollectorState::Certified {
            return Err(CertifyError::Refused(format!(
                "this binding does not certify the collector's key {} for {} against the trust roots: {}",
                status.public_key,
                self.id,
                status.why.clone().unwrap_or_default()
            )));
        }
        set_binding(
            db,
            key,
            by,
            binding.trim(),
            format!(
                "certified the collector {} with root {}",
                self.id,
                status.root.clone().unwrap_or_default()
            ),
        )
        .await?;
        Ok(status)
    }

    /// Seals what `batch` records into a bundle and stores it in `target` as done
    /// `by`. `None` when it holds no span.
    pub async fn receive(
        &self,
        db: &Db,
        key: &ServerKey,
        by: Actor<'_>,
        batch: Batch<'_>,
        target: Target,
        options: crate::IngestOptions,
    ) -> Result<Option<BundleSummary>, IngestError> {
        let Batch {
            requests,
            via,
            file,
        } = batch;
        let at = now();
        let binding = binding(db).await?;
        // Mapping and signing take the CPU for a while: off the async workers.
        let (this, requests, file_name) =
            (self.clone(), requests.to_vec(), file.map(str::to_owned));
        let sealed = tokio::task::spawn_blocking(move || {
            let receipt = otel::Receipt {
                via,
                received_at: &at,
                file: file_name.as_deref(),
            };
            let mut events = Vec::new();
            let mut spans = 0;
            let mut reporters = std::collections::BTreeSet::new();
            for request in &requests {
                spans += otel::decode::span_count(request);
                events.extend(otel::events(request, &receipt));
                reporters.extend(otel::map::reporters(request));
            }
            if events.is_empty() {
                return Ok(None);
            }
            events.sort_by_key(|m| evidence::time::parse(&m.time));
            this.seal(events, binding.as_deref(), &at)
                .map(|bytes| Some((bytes, spans, reporters)))
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
        .map_err(|e| IngestError::Store(StoreError::Task(e)))?;
        let Some((bytes, spans, reporters)) = sealed else {
            return Ok(None);
        };
        let from = reporters.into_iter().collect::<Vec<_>>().join(", ");
        let name = match file {
            Some(f) => f.to_owned(),
            None if from.is_empty() => format!("OTLP traces, {spans} spans"),
            None => format!("OTLP traces from {from}, {spans} spans"),
        };
        ingest::ingest(
            db,
            key,
            by,
            Upload {
                bytes: bytes.into_bytes(),
                name,
                target,
            },
            options,
        )
        .await
        .map(Some)
    }
}

/// Traces to seal: what arrived, and how.
#[derive(Clone, Debug)]
pub struct Batch<'a> {
    /// The requests (one from `/v1/traces`, one per line or message of a file),
    /// handed over: they are mapped off the async workers, without a copy.
    pub requests: Vec<otel::Request>,
    /// Received, or imported from a file.
    pub via: Via,
    /// The file's name, when imported.
    pub file: Option<&'a str>,
}

/// Why a binding was not stored.
#[derive(Debug, thiserror::Error)]
pub enum CertifyError {
    /// It does not certify the key now.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The setting that holds the binding (a DSSE envelope, JSON text).
const BINDING_SETTING: &str = "collector_binding";

/// The collector's binding, when an admin gave one.
pub async fn binding(db: &Db) -> Result<Option<String>, StoreError> {
    let value: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(BINDING_SETTING)
        .fetch_optional(db.pool())
        .await?;
    Ok(value.map(|(v,)| v))
}

/// Sets the collector's binding (checked by the caller), recorded in the review log
/// with what it certifies (`summary`).
pub async fn set_binding(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    binding: &str,
    summary: String,
) -> Result<(), StoreError> {
    let mut rec = Recorder::begin(db, key).await?;
    crate::put_setting(rec.conn(), BINDING_SETTING, binding).await?;
    // A setting's entry, as every setting's: the log's integrity check compares the
    // stored binding with the value here.
    rec.append(Entry {
        actor: by,
        action: "setting",
        incident: None,
        bundle: None,
        event: None,
        summary,
        details: serde_json::json!({
            "setting": BINDING_SETTING,
            "value": serde_json::from_str::<serde_json::Value>(binding)
                .unwrap_or_else(|_| serde_json::Value::String(binding.to_owned())),
        }),
    })
    .await?;
    rec.commit().await
}
