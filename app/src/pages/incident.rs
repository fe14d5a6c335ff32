use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{fetch_incident, review_log, reviewers, AssignIncident, SetIncidentStatus};
use crate::components::account::IfCan;
use crate::components::exports::Exports;
use crate::components::findings::IncidentFindings;
use crate::components::forms::{failed, ActionError, INLINE_INPUT};
use crate::components::help::ReasonCodes;
use crate::components::notes::ResponsibilitySplit;
use crate::components::table::DataTable;
use crate::components::verdict::{Badge, ProvenanceBadge, Tone, VerdictBadge};
use model::{
    ActorFact, BundleSummary, IncidentFacts, IncidentOverview, IncidentStatus, LogQuery, Permission,
};

use crate::components::page::ErrorBox;

/// One incident: what its evidence adds up to, and its bundles.
#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    // Bumped when the workflow changes the incident, so its header is read again.
    let changed = RwSignal::new(0u32);
    let overview = Resource::new(
        move || (id(), changed.get()),
        |(id, _)| async move {
            match id {
                Some(id) => fetch_incident(id).await,
                None => Ok(None),
            }
        },
    );
    view! {
        // Until the incident is read, and while it is, the page is still titled.
        <Title text="Incident"/>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading the incident…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(Some(overview)) => view! { <Overview overview changed/> }.into_any(),
                    Ok(None) => view! {
                        <Title text="No such incident"/>
                        <h1 class="text-2xl font-semibold">"No such incident"</h1>
                        <p class="mt-2 text-slate-600 dark:text-slate-400">
                            <a href="/" class="underline">"Back to the incidents"</a>
                        </p>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(overview: IncidentOverview, changed: RwSignal<u32>) -> impl IntoView {
    let IncidentOverview { detail, facts } = overview;
    let incident = detail.incident;
    view! {
        <Title text=crate::components::page::page_title(&format!("Incident {}: {}", incident.id, incident.title))/>
        <nav class="mb-2 text-sm"><a href="/" class="text-slate-500 underline">"Incidents"</a></nav>
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight" data-testid="incident-title">
                <span class="mr-2 font-mono text-slate-500 dark:text-slate-400">{format!("#{}", incident.id)}</span>
                {model::text::visible(&incident.title)}
            </h1>
            <p class="mt-2 flex flex-wrap items-center gap-2 text-sm">
                {incident.verdict.map(|verdict| view! { <VerdictBadge verdict/> })}
                <Badge tone=Tone::Neutral text=incident.status.label()/>
                <span>{format!("Severity: {}", incident.severity.label())}</span>
                <span class="text-slate-500" data-testid="incident-assignee">
                    {format!("Assignee: {}", incident.assignee_name.clone().unwrap_or_else(|| "none".into()))}
                </span>
            </p>
            // Descriptions are text written by whoever opened the incident: shown as text.
            <p class="mt-3 max-w-3xl whitespace-pre-wrap text-slate-700 dark:text-slate-300">
                {model::text::visible(&detail.description)}
            </p>
        </div>
        <Workflow id=incident.id status=incident.status assignee=incident.assignee.clone() changed/>
        <Facts facts/>
        <IncidentFindings incident=incident.id/>
        <ResponsibilitySplit incident=incident.id/>
        <IfCan what=Permission::Export>
            <Exports base=format!("/api/incidents/{}/export", incident.id) stem=format!("incident-{}", incident.id)/>
        </IfCan>
        <Bundles bundles=detail.bundles/>
    }
    .into_any()
}

#[component]
fn Facts(facts: IncidentFacts) -> impl IntoView {
    let group = |kind: &'static str| -> Vec<ActorFact> {
        facts
            .actors
            .iter()
            .filter(|a| a.actor_type == kind)
            .cloned()
            .collect()
    };
    let span = match (&facts.first_event_at, &facts.last_event_at) {
        (Some(first), Some(last)) => format!("{first} to {last}"),
        _ => "no readable events".to_owned(),
    };
    let resources = facts.resources.clone();
    view! {
        <section aria-labelledby="facts-title" class="mb-8" data-testid="incident-facts">
            <h2 id="facts-title" class="mb-3 text-lg font-semibold">"What the evidence records"</h2>
            <dl class="grid grid-cols-1 gap-4 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-2 lg:grid-cols-3 dark:border-slate-800 dark:bg-slate-900">
                <Fact label="When (UTC)" testid="fact-span"><span class="font-mono text-xs">{span}</span></Fact>
                <Fact label="Side effects" testid="fact-side-effects">
                    {format!("{} change{} to real systems", facts.side_effects, if facts.side_effects == 1 { "" } else { "s" })}
                </Fact>
                <Fact label="Denied by policy" testid="fact-denials">{facts.denials.to_string()}</Fact>
                <Actors label="Humans" testid="fact-humans" actors=group("human")/>
                <Actors label="Agents" testid="fact-agents" actors=group("agent")/>
                <Actors label="Service accounts" testid="fact-services" actors=group("service")/>
                <Actors label="Tools" testid="fact-tools" actors=group("tool")/>
                <Actors label="Systems" testid="fact-systems" actors=group("system")/>
                <Fact label="Resources changed" testid="fact-resources">
                    {if resources.is_empty() {
                        view! { <span class="text-slate-500">"none"</span> }.into_any()
                    } else {
                        view! {
                            <ul class="space-y-0.5 font-mono text-xs">
                                {resources.into_iter().map(|r| view! { <li class="break-all">{model::text::visible(&r)}</li> }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    }}
                </Fact>
            </dl>
        </section>
    }
    .into_any()
}

#[component]
fn Fact(label: &'static str, testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <div data-testid=testid>
            <dt class="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</dt>
            <dd class="mt-1 break-words">{children()}</dd>
        </div>
    }
    .into_any()
}

#[component]
fn Actors(label: &'static str, testid: &'static str, actors: Vec<ActorFact>) -> impl IntoView {
    view! {
        <Fact label testid>
            {if actors.is_empty() {
                view! { <span class="text-slate-500">"none"</span> }.into_any()
            } else {
                view! {
                    <ul class="space-y-0.5">
                        {actors
                            .into_iter()
                            .map(|a| {
                                let events = format!(
                                    "{} event{}",
                                    a.event_count,
                                    if a.event_count == 1 { "" } else { "s" }
                                );
                                view! {
                                    <li>
                                        {model::text::visible(a.name.as_deref().unwrap_or(&a.actor_id))}
                                        {a.name.is_some().then(|| view! {
                                            <span class="ml-1 font-mono text-xs text-slate-500">{model::text::visible(&a.actor_id)}</span>
                                        })}
                                        <span class="ml-1 text-xs text-slate-500">{events}</span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </Fact>
    }
    .into_any()
}

#[component]
fn Bundles(bundles: Vec<BundleSummary>) -> impl IntoView {
    view! {
        <section aria-labelledby="bundles-title">
            <h2 id="bundles-title" class="mb-3 text-lg font-semibold">"Evidence bundles"</h2>
            <DataTable columns=&["File", "Verdict", "Provenance", "Reasons", "Events", "SHA-256", "Open"] testid="incident-bundles">
                        {bundles
                            .into_iter()
                            .map(|b| {
                                let raw = format!("/api/bundles/{}/raw", b.sha256);
                                let report = format!("/api/bundles/{}/report", b.sha256);
                                view! {
                                    <tr>
                                        <td class="px-4 py-2">
                                            <a href=format!("/bundles/{}", b.sha256) class="font-medium underline" data-testid="bundle-link">
                                                {if b.name.is_empty() { "(no name)".to_owned() } else { model::text::visible(&b.name) }}
                                            </a>
                                            {b.bundle_id.clone().map(|id| view! {
                                                <div class="font-mono text-xs text-slate-500">{id}</div>
                                            })}
                                        </td>
                                        <td class="px-4 py-2"><VerdictBadge verdict=b.verdict/></td>
                                        <td class="px-4 py-2"><ProvenanceBadge provenance=b.provenance/></td>
                                        <td class="px-4 py-2 text-xs">
                                            {if b.reasons.is_empty() { "—".into_any() } else { view! { <ReasonCodes codes=b.reasons.clone() separator=" "/> }.into_any() }}
                                        </td>
                                        <td class="px-4 py-2">{b.event_count}</td>
                                        <td class="px-4 py-2 font-mono text-xs" title=b.sha256.clone()>{b.sha256.get(..16).unwrap_or_default().to_owned()}"…"</td>
                                        <td class="px-4 py-2 whitespace-nowrap">
                                            <a href=format!("/bundles/{}", b.sha256) class="font-medium text-emerald-700 underline dark:text-emerald-400">"timeline"</a>
                                            " · "
                                            <a href=raw class="underline" download="" rel="external">"bytes"</a>
                                            " · "
                                            <a href=report class="underline" rel="external" data-testid="bundle-report">"report"</a>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </DataTable>
        </section>
    }
    .into_any()
}

/// Status and assignee, changed by those whose role runs the workflow; every change
/// is in the review log, and the incident's entries are listed below it.
#[component]
fn Workflow(
    id: i64,
    status: IncidentStatus,
    assignee: Option<String>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let set_status = ServerAction::<SetIncidentStatus>::new();
    let assign = ServerAction::<AssignIncident>::new();
    let people = Resource::new(|| (), |_| reviewers());
    let history = Resource::new(
        move || (set_status.version().get(), assign.version().get()),
        move |_| {
            review_log(LogQuery {
                incident: Some(id),
                ..LogQuery::default()
            })
        },
    );
    // After a change that succeeded, the page reads the incident again.
    Effect::new(move |prev: Option<(usize, usize)>| {
        let now = (set_status.version().get(), assign.version().get());
        let ok = set_status.value().with(|v| !matches!(v, Some(Err(_))))
            && assign.value().with(|v| !matches!(v, Some(Err(_))));
        if prev.is_some_and(|p| p != now) && ok {
            changed.update(|n| *n += 1);
        }
        now
    });
    let assignee_now = assignee.clone().unwrap_or_default();
    view! {
        <section class="mb-8" aria-labelledby="workflow-title" data-testid="workflow">
            <h2 id="workflow-title" class="mb-3 text-lg font-semibold">"Review"</h2>
            <IfCan what=Permission::Workflow>
                {let assignee_now = assignee_now.clone(); view! {
                <div class="flex flex-wrap items-end gap-4">
                    <ActionForm action=set_status attr:class="flex flex-wrap items-end gap-2" attr:data-testid="status-form">
                        <input type="hidden" name="id" value=id/>
                        <label class="text-sm">"Status"<br/>
                            <select name="status" class=INLINE_INPUT>
                                {IncidentStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=s == status>{s.label()}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 text-sm dark:border-slate-700">"Set status"</button>
                    </ActionForm>
                    <ActionForm action=assign attr:class="flex flex-wrap items-end gap-2" attr:data-testid="assign-form">
                        <input type="hidden" name="id" value=id/>
                        <Transition fallback=|| ()>
                            {let assignee_now = assignee_now.clone(); move || {
                                // Options are built before the select, never as reactive nodes inside it.
                                // One list, the empty choice first: a static node beside a list
                                // would need a marker node, which a browser drops inside a select.
                                let options: Vec<(String, String, bool)> = std::iter::once((String::new(), "no one".to_owned(), assignee_now.is_empty()))
                                    .chain(people.get().and_then(Result::ok).unwrap_or_default()
                                        .into_iter()
                                        .map(|r| (r.username.clone(), format!("{} ({})", r.name(), r.role.label()), r.username == assignee_now)))
                                    .collect();
                                view! {
                                    <label class="text-sm">"Assignee"<br/>
                                        <select name="assignee" class=INLINE_INPUT>
                                            {options.into_iter().map(|(value, label, selected)| view! { <option value=value selected=selected>{label}</option> }).collect_view()}
                                        </select>
                                    </label>
                                }
                            }}
                        </Transition>
                        <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 text-sm dark:border-slate-700">"Assign"</button>
                    </ActionForm>
                </div>
                <ActionError error=Signal::derive(move || failed(set_status.value().get()).or_else(|| failed(assign.value().get())))/>
                }}
            </IfCan>
            <details class="mt-3" open>
                <summary class="cursor-pointer text-sm font-medium">"History (from the review log)"</summary>
                <Transition fallback=|| ()>
                    {move || history.get().map(|h| match h {
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                        Ok(page) if page.entries.is_empty() => view! { <p class="mt-1 text-sm text-slate-500">"Nothing recorded yet."</p> }.into_any(),
                        Ok(page) => view! {
                            <ul class="mt-1 space-y-0.5 text-sm" data-testid="incident-history">
                                {page.entries.into_iter().map(|e| view! {
                                    <li><span class="font-mono text-xs text-slate-500">{e.at}</span>" "<span class="font-medium">{e.actor}</span>" "{model::text::visible(&e.summary)}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    })}
                </Transition>
            </details>
        </section>
    }
    .into_any()
}
