//! What a reviewer sees of a bundle verified in the browser: the verdict (and
//! whether it agrees with the server's), the timeline, the event inspector, the
//! authority tree and the per-event results.

use std::sync::Arc;

use evidence::bundle::Status;
use evidence::event::{Actor, Event};
use leptos::prelude::*;

use crate::browser_verify::page::{PageVerification, Phase, Verifier};
use crate::browser_verify::protocol::Filter;
use crate::components::account::IfCan;
use crate::components::exports::Download;
use crate::components::findings::account_rows;
use crate::components::help::{ReasonCode, ReasonCodes};
use crate::components::notes::EventNotes;
use crate::components::timeline::{TimelineChart, TimelineState};
use crate::components::verdict::{Badge, StatusBadge, Tone};
use model::timeline::scale::Viewport;
use model::timeline::{LaneKind, Link, Timeline};
use model::CheckOutcome;
use model::{BundleStatus, Permission};

/// The heading beside the badge: derived from the same status, so the two cannot
/// contradict each other.
pub fn heading_of(status: Status) -> &'static str {
    match status {
        Status::Verified => "Verified in this browser",
        Status::VerifiedWithWarnings => "Verified in this browser, with warnings",
        Status::Untrusted => {
            "Checked in this browser: intact as far as checked, but not tied to a root you trust"
        }
        Status::Tampered => "Checked in this browser: it does not verify",
        Status::Malformed => "Checked in this browser: a signed payload cannot be read",
    }
}

/// The progress bar while the worker checks signatures.
#[component]
pub fn Progress(verifier: Verifier) -> impl IntoView {
    move || {
        match verifier.phase.get() {
        Phase::Loading => Some(view! {
            <p class="text-sm text-slate-500" data-testid="verify-progress" data-state="loading">"Loading the bundle and the verifier…"</p>
        }.into_any()),
        phase @ (Phase::Checking(..) | Phase::Done(_)) => {
            let (done, total, state, line) = match phase {
                Phase::Done(found) => {
                    let n = found.summary.event_count as u32;
                    (n, n, "done", format!("Checked all {n} events in this browser in {:.0} ms.", found.millis))
                }
                Phase::Checking(done, total) => (done, total, "checking", format!("Checking signatures in this browser: {done} of {total}")),
                _ => (0, 0, "", String::new()),
            };
            let pct = if total == 0 { 0.0 } else { f64::from(done) * 100.0 / f64::from(total) };
            Some(view! {
                <div data-testid="verify-progress" data-state=state>
                    <p class="text-sm text-slate-600 dark:text-slate-400">{line}</p>
                    <div role="progressbar" aria-label="Verification progress" aria-valuemin="0" aria-valuemax=total aria-valuenow=done class="mt-1 h-2 w-full overflow-hidden rounded bg-slate-200 dark:bg-slate-800">
                        <div class="h-full bg-emerald-600 transition-[width]" style=format!("width: {pct:.1}%")></div>
                    </div>
                </div>
            }.into_any())
        }
        Phase::Refused(refusal) => {
            let reason = refusal.code.clone();
            Some(view! {
            <section data-testid="browser-verdict" data-status="refused" data-reason=reason class="rounded-lg border border-red-300 bg-red-50 p-4 dark:border-red-800 dark:bg-red-950">
                <div class="flex items-center gap-3"><Badge tone=Tone::Bad text="Refused"/><h2 class="font-semibold">{refusal.message}</h2></div>
                <p class="mt-1 text-sm">"Reason code: "<ReasonCode code=refusal.code/></p>
            </section>
        }.into_any())
        }
        _ => None,
    }
    }
}

/// Everything about a verified bundle. `server` is the verdict the server stored,
/// if the bundle came from it; `roots_note` says whose trust roots were used.
#[component]
pub fn VerifiedBundle(
    found: Arc<PageVerification>,
    verifier: Verifier,
    server: Option<BundleStatus>,
    #[prop(into)] roots_note: String,
    state: TimelineState,
    #[prop(into)] file_stem: String,
    /// The stored bundle's SHA-256, when it came from the server: its events can
    /// then be annotated.
    #[prop(optional, into)]
    bundle: Option<String>,
) -> impl IntoView {
    let t = &found.summary;
    let status = t.status;
    let mismatch = server.filter(|s| s.status() != status).map(|s| view! {
        <div role="alert" data-testid="verdict-mismatch" class="mt-3 rounded-md border-2 border-red-600 bg-red-100 p-3 font-semibold text-red-900 dark:bg-red-950 dark:text-red-100">
            {format!(
                "Your browser and the server disagree: the server stored \"{}\", your browser found \"{}\". Trust what your browser found with roots you chose, and find out why.",
                s.label(),
                status.label()
            )}
        </div>
    });
    let agreement = server.filter(|s| s.status() == status).map(|_| view! {
        <span class="text-sm text-emerald-700 dark:text-emerald-400" data-testid="verdict-agrees">"Agrees with the server's stored verdict."</span>
    });
    let download = move |_| verifier.download_transcript(format!("{file_stem}.verification.json"));
    let reasons = t.reasons.clone();
    let timeline = Arc::new(found.timeline.clone());
    let bundle_for_results = bundle.clone();
    view! {
        <section data-testid="browser-verdict" data-status=status.code() data-millis=found.millis data-analysis-millis=found.analysis_millis data-helped=found.helped data-received-at=found.received_at class="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
            <div class="flex flex-wrap items-center gap-3">
                <StatusBadge status/>
                <h2 class="font-semibold" data-testid="verdict-heading">{heading_of(status)}</h2>
                {agreement}
                <button type="button" data-testid="download-transcript" on:click=download class="ml-auto rounded-md border border-slate-300 px-3 py-1 text-sm dark:border-slate-700">
                    "Download transcript (JSON)"
                </button>
            </div>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                {format!("{} events, {}, checked in {:.0} ms with the evidence verifier compiled to wasm{}; findings and timeline in {:.0} ms more. ", t.event_count, crate::components::exports::size(found.size), found.millis, helped_note(found.helped), found.analysis_millis)}
                {roots_note}
            </p>
            {(!reasons.is_empty()).then(|| view! {
                <ul class="mt-2 space-y-0.5 text-sm" data-testid="browser-reasons">
                    {reasons.into_iter().map(|r| view! {
                        <li><ReasonCode code=r.clone() class="text-red-700 dark:text-red-400"/>" — "{evidence::bundle::explain(&r)}</li>
                    }).collect_view()}
                </ul>
            })}
            {mismatch}
        </section>
        <section class="mt-6">
            <h2 class="mb-2 text-lg font-semibold">"Delegation timeline"</h2>
            <TimelineChart timeline=timeline.clone() state/>
        </section>
        <div class="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-[3fr_2fr]">
            <Inspector found=found.clone() verifier state bundle/>
            <Authority timeline=timeline.clone() state/>
        </div>
        <Results found verifier state bundle=bundle_for_results/>
    }
    .into_any()
}

/// A time in ms as people read it (`2026-11-17 14:03:44 UTC`).
fn stamp(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || format!("{ms} ms"),
        |t| evidence::time::readable(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
    )
}

fn who(actor: &Actor) -> String {
    match &actor.name {
        Some(name) => format!("{name} ({}, {})", actor.id, actor.kind.as_str()),
        None => format!("{} ({})", actor.id, actor.kind.as_str()),
    }
}

/// A term and its description, skipped when empty.
fn row(term: &'static str, value: Option<String>) -> Option<impl IntoView> {
    value.filter(|v| !v.is_empty()).map(|v| {
        view! {
            <dt class="text-slate-500">{term}</dt>
            <dd class="break-all">{model::text::visible(&v)}</dd>
        }
    })
}

/// The selected event: who, for whom, under which credential, decision and
/// approval, what changed, how it verified, and its payload as text.
#[component]
fn Inspector(
    found: Arc<PageVerification>,
    verifier: Verifier,
    state: TimelineState,
    bundle: Option<String>,
) -> impl IntoView {
    let selected = state.selected;
    Effect::new({
        let found = found.clone();
        move |_| {
            if let Some(mark) = selected
                .get()
                .and_then(|m| found.timeline.marks.get(m as usize))
            {
                verifier.want_event(mark.index);
            }
        }
    });
    let body = move || {
        let Some(m) = selected.get() else {
            return view! { <p class="text-sm text-slate-500">"Select an event in the timeline (click it, or focus the timeline and press j / k)."</p> }.into_any();
        };
        let Some(mark) = found.timeline.marks.get(m as usize).cloned() else {
            return ().into_any();
        };
        let t = &found.timeline;
        let detail = verifier.events.with(|e| e.get(&mark.index).cloned());
        let result = detail.as_ref().and_then(|d| d.result.clone());
        let detail_account = detail.as_ref().and_then(|d| d.account.clone());
        let payload = detail.map(|d| d.payload);
        let event = payload
            .as_ref()
            .and_then(|p| p.as_ref())
            .and_then(|p| Event::parse(p.as_bytes(), 64).ok());
        let lane = &t.lanes[mark.lane as usize];
        let checks = result.as_ref().map(|r| {
            r.checks().into_iter().map(|(name, c)| {
                let tone = match c.result { CheckOutcome::Pass => Tone::Good, CheckOutcome::Fail => Tone::Bad, CheckOutcome::Unknown => Tone::Warn };
                let code = c.code.clone();
                view! {
                    <li class="flex flex-wrap items-center gap-2" data-check=name data-result=c.result.as_str()>
                        <span class="w-20 text-slate-500">{name}</span>
                        <Badge tone text=c.result.as_str()/>
                        {code.map(|code| view! { <ReasonCode code=code.clone() class="text-xs"/><span class="text-xs text-slate-500">{evidence::bundle::explain(&code)}</span> })}
                    </li>
                }
            }).collect_view()
        });
        let account = detail_account.clone();
        let details = event.as_ref().filter(|_| account.is_none()).map(|e| {
            let chain = (!e.on_behalf_of.is_empty()).then(|| e.on_behalf_of.iter().map(who).collect::<Vec<_>>().join(" → "));
            let credential = e.credential.as_ref().map(|c| {
                let span = t.lanes.iter().find(|l| l.kind == LaneKind::Credential && l.id == c.token_id).and_then(|l| l.credential.clone()).unwrap_or_default();
                let revoked = span.revoked.map(|r| {
                    if r <= mark.at { format!("REVOKED at {} — this event is after the revocation", stamp(r)) }
                    else { format!("revoked later, at {}", stamp(r)) }
                });
                let expired = span.expires.filter(|x| *x < mark.at).map(|_| "EXPIRED before this event".to_owned());
                let issued = c.issued_at.as_deref().map(evidence::time::readable).or_else(|| span.issued.map(stamp));
                let expires = c.expires_at.as_deref().map(evidence::time::readable).or_else(|| span.expires.map(stamp));
                let validity = match (issued, expires) {
                    (None, None) => "validity not recorded (no event states when it was issued or expires)".to_owned(),
                    (i, x) => format!(
                        "issued {}, expires {}",
                        i.unwrap_or_else(|| "not recorded".into()),
                        x.unwrap_or_else(|| "not recorded".into())
                    ),
                };
                let scope = c.scope.clone().or_else(|| (!span.scope.is_empty()).then(|| span.scope.clone()));
                format!(
                    "{} · issuer {} · subject {} · scope {} · {validity}{}{}",
                    c.token_id,
                    c.issuer.as_deref().or(span.issuer.as_deref()).unwrap_or("not recorded"),
                    c.subject.as_deref().or(span.subject.as_deref()).unwrap_or("not recorded"),
                    scope.map_or_else(|| "not recorded".to_owned(), |s| format!("[{}]", s.join(", "))),
                    revoked.map(|r| format!(" · {r}")).unwrap_or_default(),
                    expired.map(|x| format!(" · {x}")).unwrap_or_default(),
                )
            });
            let decision = e.decision.as_ref().map(|d| format!("{} by {} policy {} v{} (decision {}, input {})", d.decision.as_str().to_uppercase(), d.engine, d.policy_id, d.policy_version, d.decision_id, d.input_hash))
                .or_else(|| e.decision_ref.as_ref().map(|r| {
                    let decided = mark.links.iter().find_map(|l| match l { Link::Decided { mark } => t.marks.get(*mark as usize), _ => None });
                    match decided {
                        Some(d) => format!("rests on decision {r}: {} at {}", d.summary, d.time),
                        None => format!("rests on decision {r} (no such decision in this bundle)"),
                    }
                }));
            let approval = e.approval.as_ref().map(|a| {
                let asked = a.asked_of.iter().map(who).collect::<Vec<_>>().join(", ");
                match (&a.decided_by, a.decision) {
                    (Some(by), Some(d)) => format!("{} {} by {}{}", a.approval_id, d.as_str(), who(by), a.constraints.as_ref().map(|c| format!(" — {c}")).unwrap_or_default()),
                    _ => format!("{} asked of {asked}", a.approval_id),
                }
            }).or_else(|| e.approval_ref.as_ref().map(|r| {
                let decided = mark.links.iter().find_map(|l| match l { Link::Approved { mark } => t.marks.get(*mark as usize), _ => None });
                match decided {
                    Some(d) => format!("rests on approval {r}: {} at {}", d.summary, d.time),
                    None => format!("rests on approval {r} (no decision for it in this bundle)"),
                }
            }));
            let change = e.change.as_ref().map(|c| format!("{} {} — {} ({:?}){}{}", c.operation, c.resource, c.summary.clone().unwrap_or_default(), c.outcome, c.before_hash.as_ref().map(|h| format!(" · before {h}")).unwrap_or_default(), c.after_hash.as_ref().map(|h| format!(" · after {h}")).unwrap_or_default()));
            let tool = e.tool.as_ref().map(|tool| format!("{} (arguments {}){}", tool.name, tool.arguments_hash.as_deref().unwrap_or("not recorded"), tool.arguments.as_ref().map(|a| format!(": {a}")).unwrap_or_default()));
            let request = e.request.as_ref().map(|r| format!("{} {}{}", r.method, r.url, r.status.map(|s| format!(" → {s}")).unwrap_or_default()));
            let delegation = e.delegation.as_ref().map(|d| format!("to {} with scope [{}]", who(&d.to), d.scope.join(", ")));
            let source = e.source.as_ref().map(|s| {
                let how = match s.via {
                    evidence::event::Via::Received => format!("received over {}", s.protocol),
                    evidence::event::Via::Imported => format!("imported from {} file {}", s.protocol, s.file.as_deref().unwrap_or("(name not recorded)")),
                };
                format!("{how} at {}, reported by {}", evidence::time::readable(&s.received_at), s.reporter.as_deref().unwrap_or("(reporter not recorded)"))
            });
            let call_id = e.tool.as_ref().and_then(|t| t.call_id.clone());
            view! {
                {row("Actor", Some(who(&e.actor)))}
                {row("Session", e.actor.session.clone())}
                {row("Instance", e.actor.instance.clone())}
                {row("Model", e.actor.model.clone().map(|m| format!("{m} {}", e.actor.model_version.clone().unwrap_or_default())))}
                {row("Initiated by", e.initiator.as_deref().map(who))}
                {row("On behalf of", chain)}
                {row("Delegation", delegation)}
                {row("Credential", credential)}
                {row("Policy", decision)}
                {row("Approval", approval)}
                {row("Tool", tool)}
                {row("Tool call ID", call_id)}
                {row("Request", request)}
                {row("Change", change)}
                {row("Source", source)}
                {row("Emitter", Some(format!("{} seq {}", e.emitter, e.seq)))}
                {row("Event ID", Some(e.id.clone()))}
                {row("Previous", e.prev.clone())}
            }
        });
        let raw = match &payload {
            None => view! { <p class="text-xs text-slate-500">"Loading the payload…"</p> }.into_any(),
            Some(None) => view! { <p class="text-xs text-red-700">"Its signature did not hold: its content is not shown, because nothing in it can be trusted."</p> }.into_any(),
            Some(Some(p)) => {
                let pretty = serde_json::from_str::<serde_json::Value>(p).ok().and_then(|v| serde_json::to_string_pretty(&v).ok()).unwrap_or_else(|| p.clone());
                view! {
                    <details class="mt-3">
                        <summary class="cursor-pointer text-sm text-slate-500">"Payload as signed (shown as text)"</summary>
                        <pre data-testid="inspector-payload" class="mt-1 max-h-80 overflow-auto whitespace-pre-wrap break-all rounded-md bg-slate-50 p-3 font-mono text-xs dark:bg-slate-900">{model::text::visible(&pretty)}</pre>
                    </details>
                }.into_any()
            }
        };
        view! {
            <div data-testid="inspector" data-index=mark.index data-standing=format!("{:?}", mark.standing).to_lowercase()>
                <h3 class="font-semibold">{format!("#{} · {}", mark.index, mark.summary)}</h3>
                <p class="mt-1 flex flex-wrap items-center gap-2 text-sm" data-testid="inspector-provenance">
                    {match mark.provenance {
                        Some(p) => view! { <Badge tone=if p.is_signed() { Tone::Good } else { Tone::Warn } text=p.label()/> }.into_any(),
                        None => view! { <Badge tone=Tone::Neutral text="provenance not recorded: its signature did not hold, so its content was not read"/> }.into_any(),
                    }}
                    {state.counterparts.get().get(&mark.index).map(|c| {
                        let link = match c {
                            model::Counterpart::Matched { other, .. } => Some(format!("/bundles/{}?event={}", other.bundle, other.index)),
                            model::Counterpart::Unreconciled { .. } => None,
                        };
                        view! {
                            <span data-testid="inspector-counterpart">{c.describe()}</span>
                            {link.map(|href| view! { <a class="underline" href=href>"open it"</a> })}
                        }
                    })}
                </p>
                <p class="text-sm text-slate-500">{format!("{} · {} in the lane of {} ({})", if mark.time.is_empty() { "time unknown".to_owned() } else { evidence::time::readable(&mark.time) }, if mark.kind.is_empty() { "unreadable" } else { &mark.kind }, lane.label, lane.kind.label())}{mark.human.then_some(" · a human decision")}</p>
                <ul class="mt-3 space-y-1 text-sm">{checks}</ul>
                <dl class="mt-3 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1 text-sm">
                    {row("Digest", result.map(|r| r.digest))}
                    {details}
                </dl>
                {account.map(|a| view! {
                    <h4 class="mt-3 text-sm font-semibold">"Account of this side effect"</h4>
                    <dl data-testid="account" class="mt-1 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1 text-sm">
                        {account_rows(&a.sentences())}
                    </dl>
                    {event.as_ref().map(|e| view! {
                        <dl class="mt-2 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1 text-sm">
                            {row("Emitter", Some(format!("{} seq {}", e.emitter, e.seq)))}
                            {row("Event ID", Some(e.id.clone()))}
                            {row("Previous", e.prev.clone())}
                        </dl>
                    })}
                })}
                {raw}
                {bundle.clone().map(|bundle| view! { <EventNotes bundle index=u64::from(mark.index)/> })}
            </div>
        }.into_any()
    };
    view! {
        <section aria-label="Event inspector" class="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
            <h2 class="mb-2 text-lg font-semibold">"Event"</h2>
            {body}
        </section>
    }
    .into_any()
}

/// Who granted what scope to whom, as a tree, each grant marked where it
/// narrowed or widened what its grantor held.
#[component]
fn Authority(timeline: Arc<Timeline>, state: TimelineState) -> impl IntoView {
    let grants = timeline.grants.clone();
    let items = if grants.is_empty() {
        view! { <li class="text-sm text-slate-500">"No delegations in this bundle."</li> }
            .into_any()
    } else {
        let receivers: std::collections::BTreeSet<u32> = grants.iter().map(|g| g.to).collect();
        let roots: Vec<u32> = {
            let mut seen = std::collections::BTreeSet::new();
            grants
                .iter()
                .map(|g| g.from)
                .filter(|f| !receivers.contains(f) && seen.insert(*f))
                .collect()
        };
        fn branch(t: &Arc<Timeline>, from: u32, depth: usize, state: TimelineState) -> AnyView {
            if depth > 12 {
                return ().into_any();
            }
            t.grants.iter().filter(|g| g.from == from).map(|g| {
                let lane = &t.lanes[g.to as usize];
                let tag = if !g.widened.is_empty() {
                    view! { <Badge tone=Tone::Bad text=format!("widened: {}", g.widened.join(", "))/> }.into_any()
                } else if g.narrowed {
                    view! { <Badge tone=Tone::Good text="narrowed"/> }.into_any()
                } else {
                    ().into_any()
                };
                let mark = g.mark;
                let timeline = t.clone();
                view! {
                    <li class="ml-4 border-l border-slate-300 pl-3 dark:border-slate-700" data-grant-to=lane.id.clone()>
                        <button type="button" class="text-left hover:underline" on:click=move |_| state.select(&timeline, mark)>
                            {format!("→ {} ({})", lane.label, lane.kind.label())}
                        </button>
                        " "{tag}
                        <div class="text-xs text-slate-500">{format!("scope: {}", g.scope.join(", "))}</div>
                        <ul>{branch(t, g.to, depth + 1, state)}</ul>
                    </li>
                }
            }).collect_view().into_any()
        }
        roots.into_iter().map(|r| {
            let lane = &timeline.lanes[r as usize];
            view! {
                <li>
                    <span class="font-medium">{format!("{} ({})", lane.label, lane.kind.label())}</span>
                    <ul>{branch(&timeline, r, 0, state)}</ul>
                </li>
            }
        }).collect_view().into_any()
    };
    view! {
        <section aria-label="Authority" data-testid="authority" class="rounded-lg border border-slate-200 p-4 dark:border-slate-800">
            <h2 class="mb-2 text-lg font-semibold">"Authority"</h2>
            <ul class="space-y-1 text-sm">{items}</ul>
        </section>
    }
    .into_any()
}

/// The verdict per event, filtered and paged (the worker filters; the page holds
/// one page at a time).
#[component]
fn Results(
    found: Arc<PageVerification>,
    verifier: Verifier,
    state: TimelineState,
    /// The stored bundle's SHA-256, when it came from the server: the rows can then
    /// be exported as the server stored them.
    bundle: Option<String>,
) -> impl IntoView {
    const PER_PAGE: usize = 50;
    let filter = RwSignal::new(Filter::All);
    let page = RwSignal::new(0usize);
    Effect::new(move |_| verifier.want_results(filter.get(), page.get(), PER_PAGE));
    let rows = move || {
        let Some(results) = verifier.results.get() else {
            return view! { <p class="text-sm text-slate-500">"Loading the results…"</p> }
                .into_any();
        };
        let total = results.total;
        let pages = total.div_ceil(PER_PAGE).max(1);
        let p = results.page;
        let shown = results.items.into_iter().map(|r| {
            let index = r.index as u32;
            let mark = found.mark_of.get(&index).copied();
            let summary = mark.and_then(|m| found.timeline.marks.get(m as usize)).map(|m| m.summary.clone()).unwrap_or_default();
            let cells = r.checks().into_iter().map(|(_, c)| {
                let class = match c.result { CheckOutcome::Pass => "text-emerald-700 dark:text-emerald-400", CheckOutcome::Fail => "font-semibold text-red-700 dark:text-red-400", CheckOutcome::Unknown => "text-amber-700 dark:text-amber-400" };
                view! { <td class=format!("px-2 py-1 {class}")>{match c.code.clone() {
                    Some(code) => view! { <ReasonCode code/> }.into_any(),
                    None => c.result.as_str().into_any(),
                }}</td> }
            }).collect_view();
            let found = found.clone();
            let select = move |_| if let Some(m) = mark { state.select(&found.timeline, m) };
            view! {
                <tr class="cursor-pointer border-t border-slate-100 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-900" on:click=select data-result-index=index>
                    <td class="px-2 py-1 font-mono">{index}</td>
                    <td class="px-2 py-1">{summary}</td>
                    {cells}
                    <td class="px-2 py-1 text-amber-700 dark:text-amber-400"><ReasonCodes codes=r.warnings.clone() separator=", "/></td>
                </tr>
            }
        }).collect_view();
        view! {
            <p class="mb-2 text-sm text-slate-500" data-testid="results-count">{format!("{total} events match; page {} of {pages}", p + 1)}</p>
            <div tabindex="0" class="overflow-x-auto" aria-label="Events and their checks">
                <table class="w-full text-left text-sm">
                    <thead class="text-xs uppercase text-slate-500"><tr>
                        <th class="px-2 py-1">"#"</th><th class="px-2 py-1">"Event"</th><th class="px-2 py-1">"Signature"</th><th class="px-2 py-1">"Trust"</th><th class="px-2 py-1">"Chain"</th><th class="px-2 py-1">"Inclusion"</th><th class="px-2 py-1">"Warnings"</th>
                    </tr></thead>
                    <tbody data-testid="results">{shown}</tbody>
                </table>
            </div>
            <div class="mt-2 flex gap-2 text-sm">
                <button type="button" class="rounded border border-slate-300 px-2 disabled:opacity-40 dark:border-slate-700" disabled={p == 0} on:click=move |_| page.set(p.saturating_sub(1))>"Previous"</button>
                <button type="button" class="rounded border border-slate-300 px-2 disabled:opacity-40 dark:border-slate-700" disabled={p + 1 >= pages} on:click=move |_| page.set(p + 1)>"Next"</button>
            </div>
        }.into_any()
    };
    view! {
        <section class="mt-6" aria-label="Results per event">
            <div class="mb-2 flex items-center gap-3">
                <h2 class="text-lg font-semibold">"Result per event"</h2>
                <label class="text-sm text-slate-600 dark:text-slate-400">"Show "
                    <select data-testid="results-filter" class="rounded border border-slate-300 bg-transparent px-1 dark:border-slate-700"
                        on:change=move |e| { filter.set(Filter::parse(&event_target_value(&e)).unwrap_or(Filter::All)); page.set(0); }>
                        {Filter::ALL.iter().map(|(f, label)| view! { <option value=f.as_str()>{*label}</option> }).collect_view()}
                    </select>
                </label>
                {bundle.map(|sha| view! {
                    <IfCan what=Permission::Export>
                        {let sha = sha.clone(); move || {
                            // The server's stored verdict per event: pass, fail or unknown.
                            let verdict = match filter.get() {
                                Filter::All => Some(""),
                                Filter::Failed => Some("&verdict=fail"),
                                Filter::Unknown => Some("&verdict=unknown"),
                                Filter::Passed => Some("&verdict=pass"),
                                Filter::Warnings => None,
                            };
                            verdict.map(|v| view! {
                                <span class="ml-auto">
                                    <Download class="text-sm underline" testid="results-csv" name=""
                                        href=format!("/api/events/export/events.csv?bundle={sha}{v}&sort=index")
                                        title="These events as the server stored them, with annotations and findings: CSV">
                                        "Download as CSV"
                                    </Download>
                                </span>
                            })
                        }}
                    </IfCan>
                })}
            </div>
            {rows}
        </section>
    }
    .into_any()
}

/// A fresh timeline state fitted to nothing yet; [`fit_once`] fits it.
pub fn timeline_state() -> TimelineState {
    TimelineState {
        viewport: RwSignal::new(Viewport { from: 0.0, to: 1.0 }),
        selected: RwSignal::new(None),
        tracing: RwSignal::new(false),
        flagged: RwSignal::new(Default::default()),
        counterparts: RwSignal::new(Default::default()),
    }
}

/// Fits the viewport to `found`'s timeline unless `keep` (a viewport from a deep
/// link) is given.
pub fn fit_once(state: TimelineState, found: &PageVerification, keep: Option<Viewport>) {
    state
        .viewport
        .set(keep.unwrap_or_else(|| Viewport::fit(&found.timeline)));
}

/// How much of a run a second worker took on, as the verdict reads it.
fn helped_note(batches: u32) -> String {
    match batches {
        0 => String::new(),
        1 => ", on two workers (the second checked 1 batch of signatures)".into(),
        n => format!(", on two workers (the second checked {n} batches of signatures)"),
    }
}
