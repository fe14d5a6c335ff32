//! Attribution-gap findings: the panel on a bundle page (with the jump to each
//! finding's events on the timeline and the reviewer's disposition) and the list on
//! an incident page.

use std::collections::BTreeMap;
use std::sync::Arc;

use evidence::findings::account::Sentences;
use evidence::findings::Finding;

use leptos::prelude::*;

use crate::api::{fetch_bundle_findings, fetch_incident_findings, DisposeFinding};
use crate::browser_verify::page::{PageVerification, Phase, Verifier};
use crate::components::account::IfCan;
use crate::components::exports::Download;
use crate::components::forms::{failed, ActionError, BUTTON, INPUT};
use crate::components::help::RuleCode;
use crate::components::hydrated::use_hydrated;
use crate::components::timeline::TimelineState;
use crate::components::verdict::{Badge, Tone};
use model::{
    Disposition, DispositionDecision, FindingEvent, FindingView, Findings, Permission,
    Responsibility,
};

/// The badge tone of a finding's severity.
pub fn severity_tone(severity: &str) -> Tone {
    match severity {
        "high" => Tone::Bad,
        "medium" => Tone::Warn,
        _ => Tone::Neutral,
    }
}

fn disposition_line(d: &Disposition) -> impl IntoView {
    view! {
        <div class="text-sm">
            <span class="font-medium">{d.decision.label()}</span>
            <span class="text-slate-500">{format!(" by {} at {}", d.reviewer, d.created_at)}</span>
            <p class="whitespace-pre-wrap break-words">{model::text::visible(&d.reason)}</p>
        </div>
    }
}

/// How many findings of each severity, and how many await a disposition.
fn counts(found: &Findings) -> String {
    let open = found.open();
    format!(
        "{} high, {} medium, {} low; {} awaiting a reviewer's disposition",
        found.count("high"),
        found.count("medium"),
        found.count("low"),
        open
    )
}

/// The controls a finding maps to, as short chips with the full title on hover.
fn controls(f: &FindingView) -> impl IntoView {
    view! {
        <ul class="mt-2 flex flex-wrap gap-1" data-testid="finding-controls" aria-label="Framework controls">
            {f.controls.iter().map(|c| view! {
                <li class="rounded bg-slate-100 px-1.5 py-0.5 text-xs dark:bg-slate-800" title=format!("{}: {} {}", c.framework, c.id, c.title)>
                    <span class="text-slate-600 dark:text-slate-400">{c.framework.clone()}</span>" "<span class="font-medium">{c.id.clone()}</span>" "{c.title.clone()}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// Each event the findings name, with the findings' titles, for the timeline's flags.
fn flags(findings: &[FindingView]) -> BTreeMap<u32, Vec<String>> {
    let mut flagged: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for f in findings {
        for e in &f.events {
            flagged
                .entry(e.index as u32)
                .or_default()
                .push(f.title.clone());
        }
    }
    flagged
}

/// Selects event `index` on the timeline the browser verified, and scrolls to it.
pub fn jump_to(verifier: Verifier, state: TimelineState, index: u64) {
    if let Phase::Done(found) = verifier.phase.get_untracked() {
        if let Some(&m) = found.mark_of.get(&(index as u32)) {
            state.select(&found.timeline, m);
            #[cfg(feature = "hydrate")]
            if let Some(chart) = document()
                .query_selector("[data-testid=timeline]")
                .ok()
                .flatten()
            {
                chart.scroll_into_view();
            }
        }
    }
}

/// A finding this browser found, as the panel shows findings: its events described
/// from the timeline.
fn browser_view(f: &Finding, found: &PageVerification) -> FindingView {
    let describe = |index: u64| {
        let mark = found
            .mark_of
            .get(&(index as u32))
            .and_then(|&m| found.timeline.marks.get(m as usize));
        FindingEvent {
            index,
            event_id: None,
            kind: mark.map(|m| m.kind.clone()).filter(|k| !k.is_empty()),
            time: mark.map(|m| m.time.clone()).filter(|t| !t.is_empty()),
            summary: mark.map(|m| m.summary.clone()),
            provenance: mark.and_then(|m| m.provenance),
        }
    };
    FindingView::new("", f, describe, Vec::new())
}

/// The findings this browser computed from a bundle it verified, under the default
/// policy (the Verify page: nothing is asked of a server). Flags the timeline too.
#[component]
pub fn BrowserFindings(
    found: Arc<PageVerification>,
    verifier: Verifier,
    state: TimelineState,
) -> impl IntoView {
    let items: Vec<FindingView> = found
        .findings
        .iter()
        .map(|f| browser_view(f, &found))
        .collect();
    state.flagged.set(flags(&items));
    let jump = move |index: u64| jump_to(verifier, state, index);
    view! {
        <section class="mt-8" aria-labelledby="findings-title" data-testid="findings">
            <h2 id="findings-title" class="mb-2 text-lg font-semibold">"Attribution gaps"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">"Checked in this browser with the default rules (production resources need a human approval; no shared accounts listed; 5 seconds of clock skew allowed)."</p>
            {if items.is_empty() {
                view! { <p class="text-sm text-slate-500" data-testid="no-findings">"No attribution gaps under the default rules."</p> }.into_any()
            } else {
                view! {
                    <ul class="space-y-4">
                        {items.into_iter().map(|f| view! { <li><FindingCard finding=f jump dispose=None/></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// The findings of bundle `sha`: each with its events (a click selects the event on
/// the timeline once the browser has verified the bundle), its framework controls
/// and its disposition. Marks the findings' events on the timeline.
#[component]
pub fn BundleFindings(sha: String, verifier: Verifier, state: TimelineState) -> impl IntoView {
    let action = ServerAction::<DisposeFinding>::new();
    let findings = Resource::new(move || action.version().get(), {
        let sha = sha.clone();
        move |_| fetch_bundle_findings(sha.clone())
    });
    // The timeline flags every event a finding names.
    Effect::new(move |_| {
        if let Some(Ok(Some(found))) = findings.get() {
            state.flagged.set(flags(&found.items));
        }
    });
    let jump = move |index: u64| jump_to(verifier, state, index);
    // Drawn once the page is interactive: the list holds forms and links that act
    // on the timeline, and is never part of what hydration has to match.
    let hydrated = use_hydrated();
    let body = move || {
        let sha = sha.clone();
        if !hydrated.get() {
            return None;
        }
        findings.get().map(|r| match r {
            Err(e) => view! { <p class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
            Ok(None) => ().into_any(),
            Ok(Some(found)) if found.items.is_empty() && found.unreadable.is_empty() => view! {
                <p class="text-sm text-slate-500" data-testid="no-findings">"No attribution gaps: every rule holds for this bundle under the organisation's policy."</p>
            }.into_any(),
            Ok(Some(found)) => view! {
                <p class="mb-3 text-sm text-slate-600 dark:text-slate-400" data-testid="finding-counts">{counts(&found)}</p>
                {found.unreadable.iter().map(|u| view! { <p role="alert" class="text-sm text-red-700">{format!("Could not be analysed: {u}")}</p> }).collect_view()}
                <ul class="space-y-4">
                    {found.items.into_iter().map(|f| view! {
                        <li><FindingCard finding=f jump dispose=Some((sha.clone(), action))/></li>
                    }).collect_view()}
                </ul>
            }.into_any(),
        })
    };
    view! {
        <section class="mt-8" aria-labelledby="findings-title" data-testid="findings">
            <h2 id="findings-title" class="mb-2 text-lg font-semibold">"Attribution gaps"</h2>
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Analysing…"</p> }>{body}</Transition>
        </section>
    }
    .into_any()
}

/// One finding. With `dispose` (the bundle's SHA-256 and the action), it shows its
/// disposition and, to those who annotate, the form to make one.
#[component]
fn FindingCard(
    finding: FindingView,
    jump: impl Fn(u64) + Copy + Send + Sync + 'static,
    dispose: Option<(String, ServerAction<DisposeFinding>)>,
) -> impl IntoView {
    let f = finding;
    let status = f
        .disposition
        .as_ref()
        .map_or("open", |d| d.decision.as_str());
    let more = f.event_count.saturating_sub(f.events.len() as u64);
    let history = f.history.clone();
    let earlier = history.len();
    let key = f.key.clone();
    view! {
        <article class="rounded-lg border border-slate-200 p-4 dark:border-slate-800" data-testid="finding" data-rule=f.rule.clone() data-key=f.key.clone() data-disposition=status>
            <div class="flex flex-wrap items-center gap-2">
                <Badge tone=severity_tone(&f.severity) text=f.severity.clone()/>
                <h3 class="font-semibold">{model::text::visible(&f.title)}</h3>
                <RuleCode code=f.rule.clone()/>
            </div>
            <p class="mt-1 whitespace-pre-wrap break-words text-sm">{model::text::visible(&f.detail)}</p>
            <ol class="mt-2 space-y-0.5 text-sm" aria-label="Events that prove it">
                {f.events.iter().map(|e| {
                    let index = e.index;
                    view! {
                        <li>
                            <a href=format!("?event={index}") data-testid="finding-event" data-event=index
                                on:click=move |ev| { ev.prevent_default(); jump(index); }
                                class="font-mono text-xs underline">{format!("#{index}")}</a>
                            <span class="ml-2 text-slate-500">{e.kind.clone().unwrap_or_else(|| "unreadable".into())}</span>
                            <span class="ml-2">{model::text::visible(e.summary.as_deref().unwrap_or_default())}</span>
                            {(!e.provenance.is_some_and(|p| p.is_signed())).then(|| view! {
                                <span class="ml-2"><crate::components::verdict::EventProvenanceBadge provenance=e.provenance/></span>
                            })}
                        </li>
                    }
                }).collect_view()}
                {(more > 0).then(|| view! { <li class="text-xs text-slate-500">{format!("and {more} more")}</li> })}
            </ol>
            {controls(&f)}
            {dispose.map(|(sha, action)| view! {
                {let sha = sha.clone(); (!f.events.is_empty()).then(move || {
                    let positions: Vec<String> = f.events.iter().map(|e| e.index.to_string()).collect();
                    view! {
                        <IfCan what=Permission::Export>
                            <div class="mt-2">
                                <Download class="text-sm underline" testid="finding-excerpt" name=""
                                    href=format!("/api/bundles/{sha}/excerpt?events={}", positions.join(","))
                                    title="These events with their RFC 6962 inclusion proofs against the bundle's signed root: custody verify-excerpt checks them without the rest of the bundle">
                                    "Download these events as a verifiable excerpt"
                                </Download>
                            </div>
                        </IfCan>
                    }
                })}
                <div class="mt-3" data-testid="finding-disposition">
                    {match &f.disposition {
                        Some(d) => disposition_line(d).into_any(),
                        None => view! { <p class="text-sm text-slate-500">"No disposition yet."</p> }.into_any(),
                    }}
                    {(earlier > 0).then(|| view! {
                        <details class="mt-1">
                            <summary class="cursor-pointer text-xs text-slate-500">{format!("{earlier} earlier disposition{}", if earlier == 1 { "" } else { "s" })}</summary>
                            <ul class="mt-1 space-y-2 border-l-2 border-slate-200 pl-2 dark:border-slate-700">
                                {history.iter().map(|d| view! { <li>{disposition_line(d)}</li> }).collect_view()}
                            </ul>
                        </details>
                    })}
                </div>
                <IfCan what=Permission::Annotate>
                    <DispositionForm sha=sha.clone() finding=key.clone() action/>
                </IfCan>
            })}
        </article>
    }
    .into_any()
}

#[component]
fn DispositionForm(
    sha: String,
    finding: String,
    action: ServerAction<DisposeFinding>,
) -> impl IntoView {
    view! {
        <details class="mt-3">
            <summary class="cursor-pointer text-sm font-medium">"Dispose of this finding"</summary>
            <ActionForm action attr:class="mt-2 grid grid-cols-1 gap-2 sm:grid-cols-2" attr:data-testid="disposition-form">
                <input type="hidden" name="sha256" value=sha/>
                <input type="hidden" name="finding" value=finding/>
                <label class="block text-sm">"Decision"
                    <select name="decision" class=INPUT>
                        {DispositionDecision::ALL.into_iter().map(|d| view! { <option value=d.as_str()>{d.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="block text-sm">"Responsibility (for an annotation)"
                    <select name="responsibility" class=INPUT>
                        {std::iter::once(("", "—"))
                            .chain(Responsibility::ALL.into_iter().map(|r| (r.as_str(), r.label())))
                            .map(|(value, label)| view! { <option value=value>{label}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label class="block text-sm sm:col-span-2">"Reason"
                    <textarea name="reason" required rows="2" class=INPUT></textarea>
                </label>
                <div class="sm:col-span-2">
                    <button type="submit" class=BUTTON disabled=move || action.pending().get()>"Record"</button>
                    <ActionError error=Signal::derive(move || failed(action.value().get()))/>
                </div>
            </ActionForm>
        </details>
    }
    .into_any()
}

/// The findings of every bundle of incident `incident`, each linking to its
/// bundle's page at its first event, where it is reviewed.
#[component]
pub fn IncidentFindings(incident: i64) -> impl IntoView {
    let findings = Resource::new(move || incident, fetch_incident_findings);
    let hydrated = use_hydrated();
    let body = move || {
        if !hydrated.get() {
            return None;
        }
        findings.get().map(|r| match r {
            Err(e) => view! { <p class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
            Ok(found) if found.items.is_empty() && found.unreadable.is_empty() => view! {
                <p class="text-sm text-slate-500" data-testid="no-findings">"No attribution gaps in this incident's evidence."</p>
            }.into_any(),
            Ok(found) => view! {
                <p class="mb-3 text-sm text-slate-600 dark:text-slate-400" data-testid="finding-counts">{counts(&found)}</p>
                {found.unreadable.iter().map(|u| view! { <p role="alert" class="text-sm text-red-700">{format!("Could not be analysed: {u}")}</p> }).collect_view()}
                <ul class="space-y-3">
                    {found.items.into_iter().map(|f| {
                        let first = f.primary;
                        let status = f.disposition.as_ref().map_or("open", |d| d.decision.as_str());
                        view! {
                            <li class="rounded-lg border border-slate-200 p-3 dark:border-slate-800" data-testid="finding" data-rule=f.rule.clone() data-disposition=status>
                                <div class="flex flex-wrap items-center gap-2">
                                    <Badge tone=severity_tone(&f.severity) text=f.severity.clone()/>
                                    <a class="font-semibold underline" href=format!("/bundles/{}?event={first}", f.bundle) data-testid="finding-link">{model::text::visible(&f.title)}</a>
                                    <RuleCode code=f.rule.clone()/>
                                    <span class="text-xs text-slate-500">{match &f.disposition {
                                        Some(d) => format!("{} by {}", d.decision.label(), d.reviewer),
                                        None => "no disposition yet".to_owned(),
                                    }}</span>
                                </div>
                                <p class="mt-1 whitespace-pre-wrap break-words text-sm">{model::text::visible(&f.detail)}</p>
                                {controls(&f)}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        })
    };
    view! {
        <section class="mt-8" aria-labelledby="incident-findings-title" data-testid="incident-findings">
            <h2 id="incident-findings-title" class="mb-2 text-lg font-semibold">"Attribution gaps"</h2>
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Analysing…"</p> }>{body}</Transition>
        </section>
    }
    .into_any()
}

/// The account of a side effect (`evidence::findings::account`), one row per
/// answer, for a `<dl>`: in the inspector and on the incident page alike.
pub fn account_rows(sentences: &Sentences) -> impl IntoView {
    sentences
        .fields()
        .into_iter()
        .map(|(field, text)| {
            let text = model::text::visible(text);
            view! {
                <dt class="text-slate-500 dark:text-slate-400">{field}</dt>
                <dd class="min-w-0 break-words" data-account=field>{text}</dd>
            }
        })
        .collect_view()
}
