use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::{review_log, review_log_integrity};
use crate::components::account::IfCan;
use crate::components::table::DataTable;
use crate::components::verdict::{Badge, Tone};
use model::{LogQuery, Permission};

use crate::components::page::{ErrorBox, PageHeader};

/// The actions the log records, for the filter.
const ACTIONS: [&str; 18] = [
    "upload",
    "annotation",
    "comment",
    "finding",
    "signoff",
    "status",
    "assign",
    "export",
    "user.add",
    "role",
    "user.disable",
    "user.enable",
    "user.password",
    "trust_root.add",
    "trust_root.remove",
    "token.create",
    "token.revoke",
    "setting",
];

/// The review log: every review action, hash-chained and signed by this server,
/// with its integrity checked on every visit.
#[component]
pub fn ReviewLogPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        let p = params.read();
        LogQuery {
            action: p.get("action").filter(|a| !a.is_empty()),
            actor: p.get("actor").filter(|a| !a.is_empty()),
            incident: p.get("incident").and_then(|i| i.parse().ok()),
            bundle: p.get("bundle").filter(|b| !b.is_empty()),
            before: p.get("before").and_then(|b| b.parse().ok()),
        }
    };
    let page = Resource::new(query, review_log);
    let integrity = Resource::new(|| (), |_| review_log_integrity());
    view! {
        <Title text="Review log"/>
        <PageHeader
            title="Review log"
            lead="Every review action (upload, annotation, comment, sign-off, status or role change, export, trust-root change) is appended here, hash-chained and signed by this server."
        />
        <Transition fallback=|| view! { <p class="text-slate-500">"Checking the log…"</p> }>
            {move || integrity.get().map(|r| match r {
                Err(error) => view! { <ErrorBox error/> }.into_any(),
                Ok(i) => {
                    let (tone, text) = if i.intact { (Tone::Good, "Intact") } else { (Tone::Bad, "Tampered") };
                    view! {
                        <section data-testid="log-integrity" data-intact=i.intact.to_string() class=if i.intact { "mb-6 rounded-lg border border-slate-200 p-4 dark:border-slate-800" } else { "mb-6 rounded-lg border-2 border-red-600 bg-red-50 p-4 dark:bg-red-950" }>
                            <div class="flex flex-wrap items-center gap-3">
                                <Badge tone text/>
                                <span class="text-sm">{format!("{} entries checked: signatures, chain links, and the records they cover.", i.entries)}</span>
                            </div>
                            {(!i.problems.is_empty()).then(|| view! {
                                <div role="alert">
                                    <ul class="mt-2 list-disc pl-5 text-sm text-red-800 dark:text-red-200">
                                        {i.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                                    </ul>
                                </div>
                            })}
                            <p class="mt-2 break-all font-mono text-xs text-slate-600 dark:text-slate-400">
                                {format!("server key {} · head {}", i.public_key, i.head.unwrap_or_else(|| "(empty)".into()))}
                            </p>
                            <p class="mt-2 flex flex-wrap gap-4 text-sm">
                                <IfCan what=Permission::Export>
                                    <a href="/api/review-log/export" download="custody-review-log.bundle.json" rel="external" class="font-medium underline" data-testid="export-log">"Export as a signed bundle"</a>
                                </IfCan>
                                <a href="/api/review-log/key" download="server.pub" rel="external" class="underline" data-testid="server-key-download">"Server public key (server.pub)"</a>
                                <span class="text-slate-600 dark:text-slate-400">"Check an export with "<code class="font-mono">"custody verify custody-review-log.bundle.json --trust server.pub"</code></span>
                            </p>
                        </section>
                    }.into_any()
                }
            })}
        </Transition>
        <section class="mb-6" aria-labelledby="log-anchoring-title">
            <h2 id="log-anchoring-title" class="mb-2 text-lg font-semibold">"Anchoring"</h2>
            <crate::components::anchoring::StoredAnchoring sha=None/>
        </section>
        <form method="get" class="mb-4 flex flex-wrap items-end gap-3 text-sm" data-testid="log-filters">
            <label>"Action"<br/>
                <select name="action" class="rounded-md border border-slate-300 px-2 py-1 dark:border-slate-700 dark:bg-slate-900">
                    <option value="">"any"</option>
                    {ACTIONS.into_iter().map(|a| view! { <option value=a selected=move || params.read().get("action").as_deref() == Some(a)>{a}</option> }).collect_view()}
                </select>
            </label>
            <label>"Who"<br/>
                <input name="actor" prop:value=move || params.read().get("actor").unwrap_or_default() class="rounded-md border border-slate-300 px-2 py-1 dark:border-slate-700 dark:bg-slate-900"/>
            </label>
            <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 dark:border-slate-700">"Filter"</button>
        </form>
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || page.get().map(|r| match r {
                Err(error) => view! { <ErrorBox error/> }.into_any(),
                Ok(page) if page.entries.is_empty() => view! { <p class="text-slate-500">"No entries match."</p> }.into_any(),
                Ok(page) => {
                    let older = page.more.then(|| page.entries.last().map(|e| e.seq)).flatten();
                    view! {
                        <DataTable columns=&["#", "When (UTC)", "Who", "Action", "What", "Entry digest"] testid="review-log">
                            {page.entries.into_iter().map(|e| {
                                let about = match (&e.bundle, e.event, e.incident) {
                                    (Some(b), Some(ev), _) => Some((format!("/bundles/{b}?event={ev}"), format!("event {ev}"))),
                                    (Some(b), None, _) => Some((format!("/bundles/{b}"), "bundle".to_owned())),
                                    (None, _, Some(i)) => Some((format!("/incidents/{i}"), format!("incident #{i}"))),
                                    _ => None,
                                };
                                let action = e.action.clone();
                                view! {
                                    <tr data-action=action>
                                        <td class="px-4 py-2 font-mono text-xs">{e.seq}</td>
                                        <td class="px-4 py-2 font-mono text-xs">{e.at}</td>
                                        <td class="px-4 py-2 text-sm">{e.actor}</td>
                                        <td class="px-4 py-2 text-sm">{e.action}</td>
                                        <td class="px-4 py-2 text-sm">
                                            {model::text::visible(&e.summary)}
                                            {about.map(|(href, text)| view! { " · "<a class="underline" href=href>{text}</a> })}
                                        </td>
                                        <td class="px-4 py-2 font-mono text-xs" title=e.digest.clone()>{e.digest.get(..12).unwrap_or_default().to_owned()}"…"</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
                        {older.map(|seq| view! {
                            <p class="mt-3 text-sm"><a class="underline" href=move || {
                                let p = params.read();
                                let mut q = vec![format!("before={seq}")];
                                if let Some(a) = p.get("action") { q.push(format!("action={a}")); }
                                if let Some(a) = p.get("actor") { q.push(format!("actor={a}")); }
                                format!("?{}", q.join("&"))
                            }>"Older entries"</a></p>
                        })}
                    }.into_any()
                }
            })}
        </Transition>
    }
}
