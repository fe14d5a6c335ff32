//! The printable report: the review as one HTML page, with each bundle's timeline
//! drawn as SVG.

use std::fmt::Write as _;

use evidence::report::MANIFEST_FILE;

use crate::{bundles, Db, IngestOptions, StoreError};
use model::text::html as esc;
use model::{BundleStatus, Findings};

use super::Review;

/// The most events a report draws in one bundle's timeline picture.
pub const MAX_PICTURED: i64 = 5_000;

/// Bundle `sha`'s timeline as SVG, `flagged` events ringed; or why it is not drawn.
pub(super) async fn picture(
    db: &Db,
    sha: &str,
    events: i64,
    flagged: &std::collections::BTreeSet<u64>,
) -> Result<Result<String, String>, StoreError> {
    if events > MAX_PICTURED {
        return Ok(Err(format!(
            "{events} events are too many to draw on paper (at most {MAX_PICTURED}): open the bundle in the console"
        )));
    }
    Ok(
        match bundles::reread(db, sha, IngestOptions::default()).await? {
            Some(Ok((report, read))) => Ok(model::timeline::picture::svg(
                &model::timeline::Timeline::build(read, &report),
                flagged,
            )),
            Some(Err(why)) => Err(why),
            None => Err("the bundle is not stored".to_owned()),
        },
    )
}

pub(super) fn html_of(review: &Review, created_at: &str, by: &str, public_key: &str) -> Vec<u8> {
    let i = &review.detail.incident;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Incident {id}: {title} · Custody report</title>\
         <style>body{{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#0f172a}}h1{{font-size:1.6rem}}h2{{margin-top:2rem;border-bottom:1px solid #cbd5e1}}\
         table{{border-collapse:collapse;width:100%;margin:.5rem 0}}th,td{{border:1px solid #cbd5e1;padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:break-word;hyphens:none}}table.account th{{width:9rem;white-space:nowrap}}\
         code,.mono{{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}}.bad{{color:#b91c1c;font-weight:600}}\
         .picture svg{{max-width:100%;height:auto}}\
         @media print{{body{{margin:0}}.picture{{break-inside:avoid}}h2{{break-after:avoid}}tr{{break-inside:avoid}}a{{color:inherit;text-decoration:none}}}}</style></head><body>",
        id = i.id,
        title = esc(&i.title)
    );
    let _ = write!(
        h,
        "<h1>Incident #{} — {}</h1><p>Status: {} · Severity: {} · Assignee: {} · Opened {} · Exported {} by {}</p><p>{}</p>",
        i.id,
        esc(&i.title),
        esc(i.status.label()),
        esc(i.severity.label()),
        esc(i.assignee_name.as_deref().unwrap_or("none")),
        esc(&evidence::time::readable(&i.created_at)),
        esc(&evidence::time::readable(created_at)),
        esc(by),
        esc(&review.detail.description)
    );
    h.push_str("<h2>Scope and verification</h2><table><tr><th>Bundle</th><th>SHA-256</th><th>Events</th><th>Verdict</th><th>Provenance</th><th>Reasons</th></tr>");
    for b in &review.detail.bundles {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"{}\">{}</td><td class=\"{}\" data-provenance=\"{}\">{}</td><td class=\"mono\">{}</td></tr>",
            esc(&b.name),
            esc(&b.sha256),
            b.event_count,
            if b.verdict == BundleStatus::Verified { "" } else { "bad" },
            esc(b.verdict.label()),
            if b.provenance == Some(model::BundleProvenance::Signed) { "" } else { "bad" },
            b.provenance.map_or("not_recorded", |p| p.as_str()),
            esc(b.provenance.map_or("not recorded: no event could be read", |p| p.label())),
            esc(&b.reasons.join(" "))
        );
    }
    h.push_str("</table><h2>Delegation timeline</h2><p>One row per actor and credential; ◆ a human decision, ■ a side effect, ● another action; a line joins an event to what caused it; red: a check failed; ringed in orange: named by an attribution-gap finding.</p>");
    for (name, picture) in &review.pictures {
        let _ = write!(h, "<h3>{}</h3>", esc(name));
        match picture {
            // Built by `timeline::picture`, which escapes every text it holds.
            Ok(svg) => {
                let _ = write!(h, "<div class=\"picture\">{svg}</div>");
            }
            Err(why) => {
                let _ = write!(h, "<p>Not drawn: {}.</p>", esc(why));
            }
        }
    }
    h.push_str("<h2>Per side effect: its account</h2><p>Derived from the events whose signatures held; where the evidence is silent the account says \"not recorded\" and why. #n is an event's position in its bundle, as on the timeline.</p>");
    if review.side_effects.is_empty() {
        h.push_str("<p>No side effect whose signature held.</p>");
    }
    for s in &review.side_effects {
        let _ = write!(
            h,
            "<h3 class=\"account\">#{} · {} · <span class=\"mono\">{}</span></h3><table class=\"account\" data-bundle=\"{}\" data-event=\"{}\">",
            s.event,
            esc(&evidence::time::readable(&s.time)),
            esc(&s.bundle),
            esc(&s.bundle),
            s.event
        );
        for (field, text) in s.sentences.fields() {
            let _ = write!(
                h,
                "<tr><th>{}</th><td data-account=\"{}\">{}</td></tr>",
                esc(field),
                esc(field),
                esc(text)
            );
        }
        let _ = write!(
            h,
            "<tr><th>Responsibility</th><td>{}</td></tr>",
            esc(&s.annotation.as_ref().map_or_else(
                || "not annotated".to_owned(),
                |a| format!(
                    "{} — {} ({})",
                    a.responsibility.label(),
                    a.rationale,
                    a.author
                )
            ))
        );
        h.push_str("</table>");
    }
    findings_html(&mut h, &review.findings);
    h.push_str("<h2>Approval chains and sign-offs</h2>");
    for (sha, c) in &review.chains {
        for chain in &c.chains {
            let _ = write!(
                h,
                "<h3>Approval {} <span class=\"mono\">(bundle {}…)</span>: {:?}</h3><ol>",
                esc(&chain.approval_id),
                esc(sha.get(..12).unwrap_or_default()),
                chain.status
            );
            for l in &chain.links {
                let _ = write!(
                    h,
                    "<li>#{} {} — {} <span class=\"mono\">{}</span></li>",
                    l.index,
                    esc(&l.kind),
                    esc(&l.summary),
                    esc(&l.digest)
                );
            }
            h.push_str("</ol><ul>");
            for s in &chain.signoffs {
                let _ = write!(
                    h,
                    "<li>Step {}: {} by {} at {} — {}</li>",
                    s.step,
                    esc(s.decision.as_str()),
                    esc(&s.reviewer),
                    esc(&s.created_at),
                    esc(&s.justification)
                );
            }
            if chain.signoffs.is_empty() {
                h.push_str("<li>Not signed off.</li>");
            }
            h.push_str("</ul>");
        }
    }
    h.push_str("<h2>Annotations and comments</h2>");
    for (sha, idx, r) in &review.notes {
        let _ = write!(
            h,
            "<h3>Event #{idx} <span class=\"mono\">(bundle {}…)</span></h3><ul>",
            esc(sha.get(..12).unwrap_or_default())
        );
        for a in &r.annotations {
            let _ = write!(
                h,
                "<li>{} — {} ({}, {})</li>",
                esc(a.responsibility.label()),
                esc(&a.rationale),
                esc(&a.author),
                esc(&a.created_at)
            );
        }
        for c in &r.comments {
            let _ = write!(
                h,
                "<li>Comment: {} ({}, {})</li>",
                esc(&c.body),
                esc(&c.author),
                esc(&c.created_at)
            );
        }
        h.push_str("</ul>");
    }
    let mut reviewers: Vec<&str> = review.log.iter().map(|e| e.actor.as_str()).collect();
    reviewers.sort_unstable();
    reviewers.dedup();
    let _ = write!(h, "<h2>Reviewers</h2><p>{}</p><h2>Review log for this incident</h2><table><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Entry digest</th></tr>", esc(&reviewers.join(", ")));
    for e in &review.log {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
            e.seq,
            esc(&e.at),
            esc(&e.actor),
            esc(&e.summary),
            esc(&e.digest)
        );
    }
    let _ = write!(
        h,
        "</table><h2>Appendix: event hashes</h2><p>Every event's digest is in <code>events.csv</code>. This report, the CSV and the JSON are listed with their SHA-256 in <code>{MANIFEST_FILE}</code>, signed by the server key <code>{}</code>: <code>custody verify-report DIR --trust server.pub</code> checks them.</p></body></html>",
        esc(public_key)
    );
    h.into_bytes()
}

/// The report's findings section: each finding with its events, the framework
/// controls it maps to and its disposition.
fn findings_html(h: &mut String, found: &Findings) {
    let _ = write!(
        h,
        "<h2>Attribution-gap findings</h2><p>{} high, {} medium, {} low.</p>",
        found.count("high"),
        found.count("medium"),
        found.count("low")
    );
    if found.items.is_empty() {
        h.push_str("<p>No rule found a gap in this evidence.</p>");
    }
    for u in &found.unreadable {
        let _ = write!(h, "<p class=\"bad\">Could not be analysed: {}</p>", esc(u));
    }
    for f in &found.items {
        let events: Vec<String> = f.events.iter().map(|e| format!("#{}", e.index)).collect();
        let controls: Vec<String> = f
            .controls
            .iter()
            .map(|c| format!("{} {} ({})", c.framework, c.id, c.title))
            .collect();
        let disposition = f.disposition.as_ref().map_or_else(
            || "no disposition yet".to_owned(),
            |d| {
                format!(
                    "{} by {} at {}: {}",
                    d.decision.label(),
                    d.reviewer,
                    d.created_at,
                    d.reason
                )
            },
        );
        let _ = write!(
            h,
            "<h3>{} <span class=\"{}\">[{}]</span> <span class=\"mono\">{} · bundle {}…</span></h3>\
             <p>{}</p><p>Events: {}{}</p><p>Controls: {}</p><p>Disposition: {}</p>",
            esc(&f.title),
            if f.severity == "high" { "bad" } else { "" },
            esc(&f.severity),
            esc(&f.rule),
            esc(f.bundle.get(..12).unwrap_or_default()),
            esc(&f.detail),
            esc(&events.join(", ")),
            if f.event_count > f.events.len() as u64 {
                format!(" and {} more", f.event_count - f.events.len() as u64)
            } else {
                String::new()
            },
            esc(&controls.join("; ")),
            esc(&disposition)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_text_is_escaped() {
        assert_eq!(esc("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    }
}
