use leptos::prelude::*;
use leptos_meta::Title;

use evidence::time::readable;

use crate::api::{fetch_work, reviewers, SignOffChain};
use crate::components::account::Me;
use crate::components::chains::SignOffForm;
use crate::components::findings::severity_tone;
use crate::components::table::DataTable;
use crate::components::verdict::{Badge, VerdictBadge};
use model::text::visible;
use model::{
    age, AwaitingFinding, AwaitingSignoff, BundleSummary, IncidentSummary, LogEntry, MyWork,
};

use crate::components::page::{ErrorBox, PageHeader};

/// The count beside "My work" in the navigation, shared so that the page can
/// refresh it after the reviewer acts. It is asked for by the browser once the page
/// is interactive, never while the server renders: the pages' own data stays the
/// only data the server sends with them.
#[derive(Clone, Copy)]
pub struct WorkCount {
    count: RwSignal<Option<usize>>,
    asked: RwSignal<u32>,
}

impl WorkCount {
    /// Provides the count to the page; it loads once `me` is known to be signed in.
    pub fn provide(me: Me) -> WorkCount {
        let work = WorkCount {
            count: RwSignal::new(None),
            asked: RwSignal::new(0),
        };
        // Effects run in the browser only.
        Effect::new(move |_| {
            let _ = work.asked.get();
            if me.0.get().flatten().is_some() {
                leptos::task::spawn_local(async move {
                    work.count.set(fetch_work().await.ok().map(|w| w.count()));
                });
            }
        });
        provide_context(work);
        work
    }

    /// How many things await the reviewer, once known.
    pub fn get(&self) -> Option<usize> {
        self.count.get()
    }

    /// Asks for the count again.
    pub fn refresh(&self) {
        self.asked.update(|n| *n += 1);
    }
}

/// What awaits the signed-in reviewer, by the duties of their role.
#[component]
pub fn WorkPage() -> impl IntoView {
    let sign = ServerAction::<SignOffChain>::new();
    let work = Resource::new(move || sign.version().get(), |_| fetch_work());
    let others = Resource::new(|| (), |_| reviewers());
    let count = use_context::<WorkCount>();
    Effect::new(move |_| {
        if sign.version().get() > 0 {
            if let Some(c) = count {
                c.refresh();
            }
        }
    });
    view! {
        <Title text="My work"/>
        <PageHeader title="My work" lead="What awaits you, by the duties of your role. Everything here is also reachable from its incident; this page only gathers it."/>
        <Transition fallback=|| view! { <p class="text-slate-600 dark:text-slate-300">"Loading…"</p> }>
            {move || work.get().map(|r| match r {
                Err(error) => view! { <ErrorBox error/> }.into_any(),
                Ok(w) => view! { <Work work=w sign others/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Work(
    work: MyWork,
    sign: ServerAction<SignOffChain>,
    others: Resource<Result<Vec<model::Reviewer>, crate::error::ApiError>>,
) -> impl IntoView {
    view! {
        {work.signoffs.map(|items| view! { <Signoffs items sign others/> })}
        {work.assigned.map(|items| view! { <Assigned items/> })}
        {work.findings.map(|items| view! { <Findings items/> })}
        {work.recent_bundles.map(|items| view! { <RecentBundles items/> })}
        {work.recent_exports.map(|items| view! { <RecentExports items/> })}
    }
}

/// A section of the page with its heading and count.
#[component]
fn Part(
    id: &'static str,
    title: &'static str,
    count: usize,
    empty: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="mb-10" aria-labelledby=id data-testid=id>
            <h2 id=id class="mb-3 text-lg font-semibold">{format!("{title} ({count})")}</h2>
            {if count == 0 {
                view! { <p class="text-sm text-slate-600 dark:text-slate-300">{empty}</p> }.into_any()
            } else {
                children().into_any()
            }}
        </section>
    }
}

#[component]
fn Signoffs(
    items: Vec<AwaitingSignoff>,
    sign: ServerAction<SignOffChain>,
    others: Resource<Result<Vec<model::Reviewer>, crate::error::ApiError>>,
) -> impl IntoView {
    view! {
        <Part id="work-signoffs" title="Chains awaiting your sign-off" count=items.len() empty="No chain awaits your sign-off: every chain you may sign is signed, or was reassigned to someone else.">
            <ul class="space-y-4">
                {items.into_iter().map(|item| {
                    let effects = item.effects();
                    let chain_href = format!("/bundles/{}#chains-title", item.bundle);
                    view! {
                        <li class="rounded-lg border border-slate-200 bg-white p-4 [overflow-wrap:anywhere] dark:border-slate-800 dark:bg-slate-900" data-testid="awaiting-chain" data-chain=item.chain.approval_id.clone()>
                            <div class="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                                <h3 class="font-semibold">
                                    <a class="underline" href=chain_href>{format!("Approval {}", visible(&item.chain.approval_id))}</a>
                                </h3>
                                <span class="text-sm">
                                    "in "<a class="underline" href=format!("/incidents/{}", item.incident_id)>{format!("#{} {}", item.incident_id, visible(&item.incident_title))}</a>
                                </span>
                                <span class="text-sm text-slate-600 dark:text-slate-300" title=readable(&item.waiting_since)>{format!("waiting {} (since {})", age(item.waiting_secs), readable(&item.waiting_since))}</span>
                            </div>
                            <dl class="mt-2 grid grid-cols-1 gap-x-4 gap-y-1 text-sm [overflow-wrap:anywhere] sm:grid-cols-[10rem_1fr]">
                                <dt class="font-medium">"Side effects"</dt>
                                <dd>{if effects.is_empty() {
                                    "not recorded: the chain names no side effect".to_owned()
                                } else {
                                    visible(&effects.join("; "))
                                }}</dd>
                                <dt class="font-medium">"Approval decided"</dt>
                                <dd>{item.chain.decided.as_deref().map_or_else(|| "not recorded: the bundle holds no decision for this approval".to_owned(), visible)}</dd>
                                <dt class="font-medium">"Asked of"</dt>
                                <dd>{item.asked_of.clone().map_or_else(|| "any access reviewer".to_owned(), |who| format!("you (reassigned to {who})"))}</dd>
                                <dt class="font-medium">"Bundle"</dt>
                                <dd class="break-all">{if item.bundle_name.is_empty() { item.bundle.clone() } else { visible(&item.bundle_name) }}</dd>
                            </dl>
                            <details class="mt-3">
                                <summary class="cursor-pointer text-sm font-medium underline">"Sign this chain…"</summary>
                                <SignOffForm sha=item.bundle.clone() chain=item.chain.clone() decisions=item.decisions.clone() action=sign others me=None/>
                            </details>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Part>
    }
}

#[component]
fn Assigned(items: Vec<IncidentSummary>) -> impl IntoView {
    view! {
        <Part id="work-assigned" title="Incidents assigned to you" count=items.len() empty="No open incident is assigned to you.">
            <DataTable columns=&["Incident", "Status", "Severity", "Evidence", "Last changed"] testid="work-assigned-table">
                {items.into_iter().map(|i| view! {
                    <tr>
                        <td class="px-4 py-2"><a class="underline" href=format!("/incidents/{}", i.id)>{format!("#{} {}", i.id, visible(&i.title))}</a></td>
                        <td class="px-4 py-2">{i.status.label()}</td>
                        <td class="px-4 py-2">{i.severity.label()}</td>
                        <td class="px-4 py-2">{match i.verdict {
                            Some(verdict) => view! { <VerdictBadge verdict/> }.into_any(),
                            None => view! { <span>"not recorded: no bundle yet"</span> }.into_any(),
                        }}</td>
                        <td class="px-4 py-2 whitespace-nowrap">{readable(&i.updated_at)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Part>
    }
}

#[component]
fn Findings(items: Vec<AwaitingFinding>) -> impl IntoView {
    view! {
        <Part id="work-findings" title="Findings awaiting a disposition" count=items.len() empty="Every finding in your incidents has a disposition.">
            <ul class="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
                {items.into_iter().map(|item| {
                    let f = item.finding;
                    let tone = severity_tone(&f.severity);
                    view! {
                        <li class="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-4 py-3 text-sm" data-testid="awaiting-finding">
                            <Badge tone text=f.severity.clone()/>
                            <a class="font-medium underline" href=format!("/bundles/{}?event={}", f.bundle, f.primary)>{f.title.clone()}</a>
                            <span class="text-slate-600 dark:text-slate-300">{format!("{} · ", f.rule)}<a class="underline" href=format!("/incidents/{}", item.incident_id)>{format!("#{} {}", item.incident_id, visible(&item.incident_title))}</a></span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Part>
    }
}

#[component]
fn RecentBundles(items: Vec<BundleSummary>) -> impl IntoView {
    view! {
        <Part id="work-bundles" title="Bundles stored lately" count=items.len() empty="No bundle is stored yet.">
            <DataTable columns=&["Bundle", "Verdict", "Events", "Incident", "Stored"] testid="work-bundles-table">
                {items.into_iter().map(|b| view! {
                    <tr>
                        <td class="px-4 py-2 break-all"><a class="underline" href=format!("/bundles/{}", b.sha256)>{if b.name.is_empty() { b.sha256.clone() } else { visible(&b.name) }}</a></td>
                        <td class="px-4 py-2"><VerdictBadge verdict=b.verdict/></td>
                        <td class="px-4 py-2">{b.event_count}</td>
                        <td class="px-4 py-2"><a class="underline" href=format!("/incidents/{}", b.incident_id)>{format!("#{}", b.incident_id)}</a></td>
                        <td class="px-4 py-2 whitespace-nowrap">{readable(&b.ingested_at)}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Part>
    }
}

#[component]
fn RecentExports(items: Vec<LogEntry>) -> impl IntoView {
    view! {
        <Part id="work-exports" title="Exports made lately" count=items.len() empty="No export has been made yet.">
            <DataTable columns=&["When", "By", "What", "Incident"] testid="work-exports-table">
                {items.into_iter().map(|e| view! {
                    <tr>
                        <td class="px-4 py-2 whitespace-nowrap">{readable(&e.at)}</td>
                        <td class="px-4 py-2">{visible(&e.actor)}</td>
                        <td class="px-4 py-2">{visible(&e.summary)}</td>
                        <td class="px-4 py-2">{match e.incident {
                            Some(id) => view! { <a class="underline" href=format!("/incidents/{id}")>{format!("#{id}")}</a> }.into_any(),
                            None => view! { <span>"—"</span> }.into_any(),
                        }}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </Part>
    }
}
