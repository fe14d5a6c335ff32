use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_incidents;
use crate::components::table::DataTable;
use crate::components::upload::UploadBundle;
use crate::components::verdict::{Badge, Tone, VerdictBadge};
use crate::model::{IncidentStatus, IncidentSummary};

use super::{ErrorBox, PageHeader};

/// The incident list: every case under review, from the database.
#[component]
pub fn IncidentsPage() -> impl IntoView {
    let incidents = Resource::new(|| (), |_| list_incidents());
    view! {
        <Title text="Incidents"/>
        <PageHeader
            title="Incidents"
            lead="Cases under review: each holds signed evidence bundles of what humans and agents did."
        />
        <UploadBundle on_stored=Callback::new(move |()| incidents.refetch())/>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading incidents…"</p> }>
            {move || Suspend::new(async move {
                match incidents.await {
                    Ok(list) if list.is_empty() => EmptyState().into_any(),
                    Ok(list) => view! { <IncidentTable incidents=list/> }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IncidentTable(incidents: Vec<IncidentSummary>) -> impl IntoView {
    let count = incidents.len();
    view! {
        <p class="mb-3 text-sm text-slate-500" data-testid="incident-count">
            {format!("{count} incident{}", if count == 1 { "" } else { "s" })}
        </p>
        <DataTable columns=&["#", "Title", "Evidence", "Status", "Severity", "Assignee", "Updated (UTC)"]>
                    {incidents
                        .into_iter()
                        .map(|i| {
                            let tone = match i.status {
                                IncidentStatus::SignedOff | IncidentStatus::Closed => Tone::Good,
                                IncidentStatus::Open | IncidentStatus::InReview => Tone::Neutral,
                            };
                            view! {
                                <tr>
                                    <td class="px-4 py-2 font-mono text-slate-500">{i.id}</td>
                                    <td class="px-4 py-2 font-medium">
                                        <a href=format!("/incidents/{}", i.id) class="hover:underline">{i.title}</a>
                                    </td>
                                    <td class="px-4 py-2 whitespace-nowrap">
                                        {i.verdict.map(|verdict| view! { <VerdictBadge verdict/> })}
                                        <span class="ml-2 text-xs text-slate-500">
                                            {format!(
                                                "{} bundle{}, {} event{}",
                                                i.bundle_count,
                                                if i.bundle_count == 1 { "" } else { "s" },
                                                i.event_count,
                                                if i.event_count == 1 { "" } else { "s" },
                                            )}
                                        </span>
                                    </td>
                                    <td class="px-4 py-2"><Badge tone text=i.status.label()/></td>
                                    <td class="px-4 py-2">{i.severity.label()}</td>
                                    <td class="px-4 py-2">{i.assignee.unwrap_or_else(|| "—".into())}</td>
                                    <td class="px-4 py-2 font-mono text-xs">{i.updated_at}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </DataTable>
    }
}

#[component]
fn EmptyState() -> impl IntoView {
    view! {
        <section
            aria-labelledby="empty-title"
            class="rounded-lg border border-dashed border-slate-300 bg-white p-8 dark:border-slate-700 dark:bg-slate-900"
        >
            <h2 id="empty-title" class="text-lg font-semibold">"No incidents yet"</h2>
            <p class="mt-2 max-w-2xl text-slate-600 dark:text-slate-400">
                "An incident appears here when an evidence bundle is loaded into it: drop one above, or load it from the command line:"
            </p>
            <pre class="mt-3 overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-sm text-slate-100">"custody ingest bundle.json"</pre>
            <p class="mt-3 max-w-2xl text-slate-600 dark:text-slate-400">
                "To check a single signed envelope without storing anything, use "
                <a href="/verify" class="font-medium text-emerald-700 underline dark:text-emerald-400">"Verify"</a>
                ": it runs in your browser."
            </p>
        </section>
    }
}
