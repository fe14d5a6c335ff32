//! The worker's side: a bundle verified with the `evidence` crate, read for review
//! (findings, accounts, the timeline) and held to answer the page's questions.
//! [`verify`] is the pure part, shared with the tests.

use std::sync::Mutex;

use evidence::bundle::{self, EventReport, Limits, Report, SignedEvent};
use evidence::event::Event;
use evidence::findings::{self, Account, Finding, Policy};
use evidence::keys::PublicKey;

use super::protocol::{EventDetail, Filter, Refusal, ResultsPage, WorkerReply, WorkerRequest};
use model::timeline::Timeline;
use model::{EventResult, TranscriptHead};

/// A bundle verified here: its report, its timeline and its payloads.
pub struct Verification {
    /// What verification found.
    pub report: Report,
    /// The events laid out.
    pub timeline: Timeline,
    /// Each event's payload as signed, by index; `None` where the signature failed.
    pub payloads: Vec<Option<String>>,
    /// The attribution-gap findings under the default policy (`evidence::findings`).
    pub findings: Vec<Finding>,
    /// The account of each side effect (`evidence::findings::account`), by position.
    pub accounts: std::collections::BTreeMap<usize, Account>,
    /// What the bundle's anchors prove.
    pub anchoring: model::Anchoring,
}

fn as_result(event: &EventReport) -> Option<EventResult> {
    serde_json::to_value(event)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

impl Verification {
    /// The bundle-level part of the transcript.
    pub fn summary(&self) -> TranscriptHead {
        TranscriptHead {
            status: self.report.status(),
            bundle_id: self.report.bundle_id().map(str::to_owned),
            reasons: self
                .report
                .reasons()
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            event_count: self.report.events().len(),
        }
    }

    /// The transcript: the report as JSON, as `custody verify --json` prints it.
    pub fn transcript(&self) -> String {
        serde_json::to_string(&self.report).unwrap_or_default()
    }

    /// Page `page` (from 0) of `per_page` results that `filter` keeps.
    pub fn results(&self, filter: Filter, page: usize, per_page: usize) -> ResultsPage {
        let per_page = per_page.clamp(1, 1000);
        let kept = self.report.events().iter().filter(|e| filter.keeps(e));
        let total = kept.clone().count();
        let page = page.min(total.saturating_sub(1) / per_page);
        ResultsPage {
            total,
            page,
            items: kept
                .skip(page * per_page)
                .take(per_page)
                .filter_map(as_result)
                .collect(),
        }
    }

    /// Event `index`: its result and payload.
    pub fn event(&self, index: usize) -> EventDetail {
        EventDetail {
            result: self.report.events().get(index).and_then(as_result),
            payload: self.payloads.get(index).cloned().flatten(),
            account: self.accounts.get(&index).cloned(),
        }
    }
}

impl Verification {
    /// The answer to `request` (anything but a `verify`).
    pub fn answer(&self, request: &WorkerRequest) -> Option<WorkerReply> {
        match request {
            WorkerRequest::Verify { .. } => None,
            WorkerRequest::Results {
                filter,
                page,
                per_page,
            } => Some(WorkerReply::Results {
                page: self.results(*filter, *page, *per_page),
            }),
            WorkerRequest::Event { index } => Some(WorkerReply::Event {
                index: u32::try_from(*index).unwrap_or(u32::MAX),
                detail: Box::new(self.event(*index)),
            }),
            WorkerRequest::Transcript => Some(WorkerReply::Transcript {
                text: self.transcript(),
            }),
        }
    }
}

/// A bundle checked here and not yet read for review: the report, and each event
/// read from it. This is what `custody verify` computes.
pub struct Checked {
    report: Report,
    events: Vec<(usize, Event)>,
    payloads: Vec<Option<String>>,
    anchoring: model::Anchoring,
}

/// Verifies `bytes` against the trust roots listed in `roots` (PEM blocks or one
/// key per line; none at all leaves every key untrusted), calling `progress(done, total)` as signatures are checked;
/// with a `helper` (a second worker), batches of signatures are checked there meanwhile.
pub fn verify(
    bytes: &[u8],
    roots: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
    helper: Option<&dyn bundle::helped::Helper>,
) -> Result<Verification, Refusal> {
    check(bytes, roots, "", progress, helper).map(Checked::analyse)
}

/// The verification part of [`verify`]: the report and the events read, without
/// the findings and the timeline.
pub fn check(
    bytes: &[u8],
    roots: &str,
    anchors: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
    helper: Option<&dyn bundle::helped::Helper>,
) -> Result<Checked, Refusal> {
    let roots = if roots.trim().is_empty() {
        Vec::new()
    } else {
        PublicKey::list_from_text(roots).map_err(|e| Refusal {
            code: "roots.invalid".into(),
            message: format!("The trust roots cannot be read: {e}."),
        })?
    };
    let trust = evidence::anchor::AnchorTrust::parse(anchors).map_err(|e| Refusal {
        code: "anchors.invalid".into(),
        message: format!("The anchor trust cannot be read: {e}."),
    })?;
    let read: Mutex<Vec<(usize, Event, String)>> = Mutex::new(Vec::new());
    let keep = |e: SignedEvent<'_>| {
        if let Ok(mut read) = read.lock() {
            read.push((e.index, e.event, e.payload.to_owned()));
        }
    };
    let limits = Limits::default();
    let report = match helper {
        Some(helper) => {
            bundle::helped::verify_and_read(bytes, &roots, &limits, progress, &keep, helper)
        }
        None => bundle::verify_and_read(bytes, &roots, &limits, 1, progress, &keep),
    }
    .map_err(|m| Refusal {
        code: m.code().to_owned(),
        message: m.to_string(),
    })?;
    let read = read.into_inner().unwrap_or_default();
    let mut payloads = vec![None; report.events().len()];
    let mut events: Vec<(usize, Event)> = read
        .into_iter()
        .map(|(index, event, payload)| {
            if let Some(slot) = payloads.get_mut(index) {
                *slot = Some(payload);
            }
            (index, event)
        })
        .collect();
    events.sort_by_key(|(index, _)| *index);
    let mut times: Vec<Option<&str>> = vec![None; report.events().len()];
    for (index, event) in &events {
        if let Some(slot) = times.get_mut(*index) {
            *slot = Some(event.time.as_str());
        }
    }
    let anchoring = evidence::anchor::verify(bytes, &limits, &trust, &times)
        .map(|a| model::Anchoring::from_anchoring(&a))
        .map_err(|e| Refusal {
            code: "anchors.malformed".into(),
            message: e.to_string(),
        })?;
    Ok(Checked {
        report,
        events,
        payloads,
        anchoring,
    })
}

impl Checked {
    /// The findings under the default policy, and the timeline.
    pub fn analyse(self) -> Verification {
        let Checked {
            report,
            events,
            payloads,
            anchoring,
        } = self;
        let policy = Policy::default();
        let findings = findings::analyse(&report, &events, &policy);
        let accounts = findings::accounts(&events, &policy)
            .into_iter()
            .map(|a| (a.position, a))
            .collect();
        Verification {
            anchoring,
            accounts,
            timeline: Timeline::build(events, &report),
            report,
            payloads,
            findings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use evidence::bundle::Status;
    use model::CheckOutcome;

    fn synthetic(n: usize) -> (String, String) {
        let (bundle, root) = evidence::producer::synthetic(n, "s");
        (bundle, root.to_hex())
    }

    #[test]
    fn the_worker_protocol_is_typed_end_to_end() {
        let (bundle, root) = synthetic(5);
        let v = verify(bundle.as_bytes(), &root, &|_, _| {}, None).unwrap();
        // Requests and replies round-trip through their JSON.
        for request in [
            WorkerRequest::Verify {
                roots: root.clone(),
                anchors: String::new(),
            },
            WorkerRequest::Results {
                filter: Filter::Failed,
                page: 2,
                per_page: 10,
            },
            WorkerRequest::Event { index: 3 },
            WorkerRequest::Transcript,
        ] {
            let json = serde_json::to_string(&request).unwrap();
            assert_eq!(
                serde_json::from_str::<WorkerRequest>(&json).unwrap(),
                request
            );
        }
        let reply = v.answer(&WorkerRequest::Event { index: 3 }).unwrap();
        let back: WorkerReply = serde_json::from_str(&reply.to_json()).unwrap();
        assert_eq!(back, reply);
        assert!(v
            .answer(&WorkerRequest::Verify {
                roots: root,
                anchors: String::new()
            })
            .is_none());
        // The status is an enum on the wire: a status no verifier reports is refused,
        // never shown.
        let summary = serde_json::to_value(v.summary()).unwrap();
        assert_eq!(summary["status"], "verified");
        let mut bogus = summary.clone();
        bogus["status"] = "Verification in this browser".into();
        assert!(serde_json::from_value::<TranscriptHead>(bogus).is_err());
    }

    #[test]
    fn a_bundle_verifies_with_pasted_roots_and_pages_its_results() {
        let (bundle, root) = synthetic(7);
        let v = verify(
            bundle.as_bytes(),
            &format!("# ours\n{root}\n"),
            &|_, _| {},
            None,
        )
        .unwrap();
        let summary = v.summary();
        assert_eq!(summary.status, Status::Verified);
        assert_eq!(summary.event_count, 7);
        let page = v.results(Filter::All, 1, 3);
        assert_eq!((page.total, page.page), (7, 1));
        assert_eq!(
            page.items.iter().map(|r| r.index).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        // A page past the end is the last one.
        assert_eq!(v.results(Filter::All, 9, 3).page, 2);
        assert_eq!(v.results(Filter::Failed, 0, 50).total, 0);
        assert_eq!(v.results(Filter::Passed, 0, 50).total, 7);
        let detail = v.event(2);
        assert_eq!(detail.result.unwrap().integrity.result, CheckOutcome::Pass);
        assert!(detail.payload.unwrap().contains("\"evt-2\""));
        // The transcript is the report as the CLI writes it.
        let t: serde_json::Value = serde_json::from_str(&v.transcript()).unwrap();
        assert_eq!(t["format"], "custody.verification.v1");
        assert_eq!(t["events"].as_array().unwrap().len(), 7);
    }

    #[test]
    fn without_roots_every_key_is_untrusted_and_bad_roots_are_refused() {
        let (bundle, _) = synthetic(2);
        let v = verify(bundle.as_bytes(), " \n", &|_, _| {}, None).unwrap();
        assert_eq!(v.summary().status, Status::Untrusted);
        // Each event's trust check names why: no root certified its key.
        let first = v.event(0).result.unwrap();
        assert_eq!(first.trust.code.as_deref(), Some("trust.key_not_certified"));
        assert!(v
            .timeline
            .marks
            .iter()
            .all(|m| m.standing == model::timeline::Standing::Untrusted));
        let refused = verify(bundle.as_bytes(), "not a key", &|_, _| {}, None)
            .err()
            .unwrap();
        assert_eq!(refused.code, "roots.invalid");
        assert!(refused.message.contains("line 1"), "{}", refused.message);
    }

    #[test]
    fn a_bundle_that_is_not_one_is_refused_with_its_code() {
        let refused = verify(b"{\"not\": \"a bundle\"}", "", &|_, _| {}, None)
            .err()
            .unwrap();
        assert_eq!(refused.code, "bundle.malformed");
    }

    #[test]
    fn each_filter_has_a_name_that_reads_back() {
        for (f, _) in Filter::ALL {
            assert_eq!(Filter::parse(f.as_str()), Some(f));
        }
        assert_eq!(Filter::parse("nope"), None);
    }
}
