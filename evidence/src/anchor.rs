//! A bundle's anchors: what vouches for it outside the organisation whose keys signed
//! it. They travel in the bundle's optional, unsigned `anchors` member
//! (docs/bundle-format.md, section 17): RFC 3161 time-stamp tokens over its
//! manifest's signature ([`crate::timestamp`]), and its leaf's inclusion proof in a
//! transparency log's checkpoint, with the witnesses' cosignatures
//! ([`crate::tlog`]). Adding or removing anchors changes no signed byte.
//!
//! [`verify`] checks them against what the reviewer trusts ([`AnchorTrust`]) and
//! says, in one [`Anchoring`], what a console shows: "Timestamped by X at T",
//! "Witnessed by k of n (…) at size N", or "Not anchored".

use serde::{Deserialize, Serialize};

use crate::bundle::{self, Limits, Malformed};
use crate::keys::PublicKey;
use crate::timestamp::{self, Stamp, StampError, TsaTrust};
use crate::tlog::{self, Inclusion, Leaf, WitnessPolicy, Witnessing};

/// The `anchors` member.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Anchors {
    /// Time-stamp tokens over the manifest's signature.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timestamps: Vec<TimestampAnchor>,
    /// The bundle's place in a transparency log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogAnchor>,
}

/// One time-stamp token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TimestampAnchor {
    /// Where it was obtained (for people; nothing rests on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsa: Option<String>,
    /// The DER token, base64.
    pub token: String,
}

/// A checkpoint and the bundle's inclusion proof in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogAnchor {
    /// The checkpoint (a signed note, with cosignatures).
    pub checkpoint: String,
    /// The proof of the bundle's leaf ([`Leaf::Bundle`]) in it.
    pub inclusion: Inclusion,
}

/// What the reviewer trusts to vouch for bundles.
#[derive(Clone, Debug, Default)]
pub struct AnchorTrust {
    /// Keys whose logs' checkpoints are accepted (a Custody server's key).
    pub logs: Vec<PublicKey>,
    /// The witnesses, and their quorum.
    pub witnesses: Option<WitnessPolicy>,
    /// Trusted time-stamping authorities' certificates.
    pub tsas: TsaTrust,
}

/// Why an anchor trust file does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TrustFileError(String);

impl AnchorTrust {
    /// Reads an anchor trust file: `log <public key>` lines (hex or base64), the
    /// witness policy's `witness <vkey>` and `quorum <k>` lines, and PEM
    /// `CERTIFICATE` blocks of trusted time-stamping authorities; `#` comments.
    pub fn parse(text: &str) -> Result<AnchorTrust, TrustFileError> {
        let mut logs = Vec::new();
        let mut policy = String::new();
        let mut in_pem = false;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.starts_with("-----BEGIN") {
                in_pem = true;
            }
            if in_pem {
                if trimmed.starts_with("-----END") {
                    in_pem = false;
                }
                continue;
            }
            let content = trimmed.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            match content.split_once(char::is_whitespace) {
                Some(("log", key)) => logs.push(
                    PublicKey::from_text(key.trim())
                        .map_err(|e| TrustFileError(format!("line {}: {e}", i + 1)))?,
                ),
                Some(("witness" | "quorum", _)) => {
                    policy.push_str(content);
                    policy.push('\n');
                }
                _ => {
                    return Err(TrustFileError(format!(
                        "line {}: expected \"log <key>\", \"witness <vkey>\", \"quorum <k>\" or a PEM certificate",
                        i + 1
                    )))
                }
            }
        }
        let witnesses = if policy.is_empty() {
            None
        } else {
            Some(WitnessPolicy::parse(&policy).map_err(|e| TrustFileError(e.to_string()))?)
        };
        let tsas = TsaTrust::from_pem(text).map_err(|e| TrustFileError(e.to_string()))?;
        Ok(AnchorTrust {
            logs,
            witnesses,
            tsas,
        })
    }
}

/// One token's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampCheck {
    /// Where it says it came from.
    pub tsa: Option<String>,
    /// What it proves, or why it does not hold.
    pub result: Result<Stamp, StampError>,
}

/// The log anchor's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogCheck {
    /// The checkpoint holds the bundle, signed by a trusted log; `witnessing` is what
    /// the policy says (None without one).
    Included {
        /// The log.
        origin: String,
        /// The checkpoint's size.
        size: u64,
        /// The leaf's index.
        index: u64,
        /// The witnesses.
        witnessing: Option<Witnessing>,
    },
    /// It does not hold, and why.
    Failed(String),
}

/// Everything a bundle's anchors prove, and the one state a console shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchoring {
    /// Each token, in order.
    pub timestamps: Vec<TimestampCheck>,
    /// The log anchor, when there is one.
    pub log: Option<LogCheck>,
    /// Indexes of events dated after the earliest valid time stamp
    /// (`time.after_anchor`): the bundle existed before they say they happened.
    pub after_anchor: Vec<usize>,
}

/// What a bundle's anchors come to, for the one line a console shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AnchorState {
    /// No anchor holds (or there is none).
    NotAnchored,
    /// Anchored: what holds.
    Anchored {
        /// "Timestamped by X at T", the earliest valid stamp.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timestamped: Option<Stamped>,
        /// "Witnessed by k of n (…) at size N", or "Logged …" when no policy was
        /// met.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logged: Option<Logged>,
    },
}

/// A valid time stamp, for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    /// The authority.
    pub tsa: String,
    /// The time.
    pub time: String,
}

/// The log anchor, for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logged {
    /// The log.
    pub origin: String,
    /// The checkpoint's size.
    pub size: u64,
    /// Witnesses that cosigned, by name.
    pub witnesses: Vec<String>,
    /// How many the policy names (0 without one).
    pub of: usize,
    /// Whether the policy's quorum cosigned.
    pub witnessed: bool,
}

impl AnchorState {
    /// The sentences a console shows, one per anchor that holds, or "Not anchored".
    pub fn sentences(&self) -> Vec<String> {
        match self {
            AnchorState::NotAnchored => vec!["Not anchored".into()],
            AnchorState::Anchored {
                timestamped,
                logged,
            } => {
                let mut out = Vec::new();
                if let Some(s) = timestamped {
                    out.push(format!("Timestamped by {} at {}", s.tsa, s.time));
                }
                if let Some(l) = logged {
                    out.push(l.sentence());
                }
                out
            }
        }
    }
}

impl Logged {
    /// "Witnessed by 2 of 3 (A, B) at size N", or "In log X at size N, witnessed by
    /// …" when the quorum is not met, or with no witness policy.
    pub fn sentence(&self) -> String {
        let names = if self.witnesses.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.witnesses.join(", "))
        };
        if self.witnessed {
            format!(
                "Witnessed by {} of {}{names} at size {}",
                self.witnesses.len(),
                self.of,
                self.size
            )
        } else if self.of == 0 {
            format!(
                "In log {} at size {}; no witness policy to check",
                self.origin, self.size
            )
        } else {
            format!(
                "In log {} at size {}; witnessed by {} of {}{names}, short of the quorum",
                self.origin,
                self.size,
                self.witnesses.len(),
                self.of
            )
        }
    }
}

impl Anchoring {
    /// The state a console shows.
    pub fn state(&self) -> AnchorState {
        let timestamped = self
            .timestamps
            .iter()
            .filter_map(|t| t.result.as_ref().ok())
            .min_by(|a, b| a.time.cmp(&b.time))
            .map(|s| Stamped {
                tsa: s.tsa.clone(),
                time: s.time.clone(),
            });
        let logged = match &self.log {
            Some(LogCheck::Included {
                origin,
                size,
                witnessing,
                ..
            }) => Some(Logged {
                origin: origin.clone(),
                size: *size,
                witnesses: witnessing
                    .as_ref()
                    .map(|w| w.cosigned.iter().map(|c| c.witness.clone()).collect())
                    .unwrap_or_default(),
                of: witnessing.as_ref().map_or(0, |w| w.of),
                witnessed: witnessing.as_ref().is_some_and(Witnessing::met),
            }),
            _ => None,
        };
        if timestamped.is_none() && logged.is_none() {
            AnchorState::NotAnchored
        } else {
            AnchorState::Anchored {
                timestamped,
                logged,
            }
        }
    }

    /// Every anchor that is there but does not hold, one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .timestamps
            .iter()
            .filter_map(|t| t.result.as_ref().err())
            .map(|e| format!("time stamp: {e}"))
            .collect();
        if let Some(LogCheck::Failed(why)) = &self.log {
            out.push(format!("log: {why}"));
        }
        out
    }
}

/// Why a bundle's anchors could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnchorsError {
    /// The bundle does not read.
    #[error(transparent)]
    Bundle(#[from] Malformed),
    /// The `anchors` member is not what section 17 says.
    #[error("the bundle's anchors do not read: {0}")]
    Anchors(String),
}

/// The bundle's `anchors` member, when it has one.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Option<Anchors>, AnchorsError> {
    parse(bundle::anchors_raw(bytes, limits)?)
}

/// The bundle `bytes` with `stamps` added after the time stamps its anchors already
/// carry. No signed byte changes.
pub fn with_timestamps(
    bytes: &[u8],
    limits: &Limits,
    stamps: Vec<TimestampAnchor>,
) -> Result<Vec<u8>, AnchorsError> {
    let mut anchors = read(bytes, limits)?.unwrap_or_default();
    anchors.timestamps.extend(stamps);
    with_anchors(bytes, &anchors)
}

/// Checks the anchors of the bundle `bytes` against `trust`. `event_times` are the
/// bundle's events' times (RFC 3339, by index; `None` where unread), for
/// `time.after_anchor`.
pub fn verify(
    bytes: &[u8],
    limits: &Limits,
    trust: &AnchorTrust,
    event_times: &[Option<&str>],
) -> Result<Anchoring, AnchorsError> {
    let inputs = bundle::anchor_inputs(bytes, limits)?;
    let anchors = parse(inputs.anchors)?.unwrap_or_default();
    Ok(verify_parts(&anchors, &inputs, trust, event_times))
}

fn parse(raw: Option<&serde_json::value::RawValue>) -> Result<Option<Anchors>, AnchorsError> {
    raw.map(|r| serde_json::from_str(r.get()).map_err(|e| AnchorsError::Anchors(e.to_string())))
        .transpose()
}

/// [`verify`], given `anchors` and what of the bundle they are checked against
/// (`inputs`, read once; its own `anchors` member is not read here).
pub fn verify_parts(
    anchors: &Anchors,
    inputs: &bundle::AnchorInputs<'_>,
    trust: &AnchorTrust,
    event_times: &[Option<&str>],
) -> Anchoring {
    let signature = inputs.manifest_signature.as_deref().unwrap_or_default();
    let timestamps: Vec<TimestampCheck> = anchors
        .timestamps
        .iter()
        .map(|t| TimestampCheck {
            tsa: t.tsa.clone(),
            result: crate::b64::decode(&t.token)
                .ok_or_else(|| StampError::Malformed("the token is not base64".into()))
                .and_then(|der| timestamp::verify(&der, signature, &trust.tsas)),
        })
        .collect();
    let leaf = Leaf::Bundle {
        manifest: hex::encode(inputs.manifest_digest),
    };
    let log = anchors
        .log
        .as_ref()
        .map(|anchor| check_leaf(&leaf, anchor, trust));
    let earliest = timestamps
        .iter()
        .filter_map(|t| t.result.as_ref().ok())
        .map(|s| s.time.as_str())
        .min();
    let after_anchor = match earliest.and_then(crate::time::parse) {
        None => Vec::new(),
        Some(bound) => event_times
            .iter()
            .enumerate()
            .filter(|(_, t)| t.and_then(crate::time::parse).is_some_and(|t| t > bound))
            .map(|(i, _)| i)
            .collect(),
    };
    Anchoring {
        timestamps,
        log,
        after_anchor,
    }
}

/// Checks that `anchor` proves `leaf` in a checkpoint of a log `trust` names, and what
/// its witnesses say.
pub fn check_leaf(leaf: &Leaf, anchor: &LogAnchor, trust: &AnchorTrust) -> LogCheck {
    if anchor.inclusion.leaf != leaf.data() {
        return LogCheck::Failed(format!(
            "the inclusion proof is not for {}",
            leaf.describe()
        ));
    }
    let opened = match tlog::open_by_any(&anchor.checkpoint, &trust.logs) {
        Ok(o) => o,
        Err(e) => return LogCheck::Failed(format!("the checkpoint: {e}")),
    };
    if let Err(e) = anchor.inclusion.verify(&opened.checkpoint) {
        return LogCheck::Failed(e.to_string());
    }
    LogCheck::Included {
        origin: opened.checkpoint.origin.clone(),
        size: opened.checkpoint.size,
        index: anchor.inclusion.index,
        witnessing: trust.witnesses.as_ref().map(|p| p.witnessing(&opened)),
    }
}

/// The bundle `bytes` with `anchors` as its `anchors` member (replacing any): every
/// other member's text is kept as it was, so every signature holds as before.
pub fn with_anchors(bytes: &[u8], anchors: &Anchors) -> Result<Vec<u8>, AnchorsError> {
    let raw: std::collections::BTreeMap<String, Box<serde_json::value::RawValue>> =
        serde_json::from_slice(bytes).map_err(|e| AnchorsError::Anchors(e.to_string()))?;
    let mut out = Vec::with_capacity(bytes.len() + 1024);
    out.push(b'{');
    let mut first = true;
    for (name, value) in raw.iter().filter(|(n, _)| n.as_str() != "anchors") {
        if !first {
            out.push(b',');
        }
        first = false;
        out.extend_from_slice(
            serde_json::to_string(name)
                .map_err(|e| AnchorsError::Anchors(e.to_string()))?
                .as_bytes(),
        );
        out.push(b':');
        out.extend_from_slice(value.get().as_bytes());
    }
    if anchors != &Anchors::default() {
        if !first {
            out.push(b',');
        }
        out.extend_from_slice(b"\"anchors\":");
        out.extend_from_slice(
            &serde_json::to_vec(anchors).map_err(|e| AnchorsError::Anchors(e.to_string()))?,
        );
    }
    out.push(b'}');
    out.push(b'\n');
    Ok(out)
}

/// Verifies the bundle `bytes` against `roots` (as [`bundle::verify_with`]) and its
/// anchors against `trust`, with each event's time read on the way for
/// `time.after_anchor`.
pub fn verify_bundle(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
    threads: usize,
    trust: &AnchorTrust,
) -> Result<(bundle::Report, Anchoring), AnchorsError> {
    let times = std::sync::Mutex::new(Vec::new());
    let report = bundle::verify_and_read(bytes, roots, limits, threads, &|_, _| {}, &|e| {
        if let Ok(mut t) = times.lock() {
            t.push((e.index, e.event.time));
        }
    })?;
    let read = times.into_inner().unwrap_or_default();
    let mut by_index: Vec<Option<String>> = vec![None; report.events().len()];
    for (index, time) in read {
        if let Some(slot) = by_index.get_mut(index) {
            *slot = Some(time);
        }
    }
    let refs: Vec<Option<&str>> = by_index.iter().map(|t| t.as_deref()).collect();
    let anchoring = verify(bytes, limits, trust, &refs)?;
    Ok((report, anchoring))
}
