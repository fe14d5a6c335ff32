use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use evidence::event::{ActorType, Kind};
use evidence::time::readable;

use crate::api::{saved_views, search_events, DeleteView, SaveView};
use crate::components::forms::{failed, ActionError, FILTER_INPUT, FILTER_LABEL};
use crate::components::table::DataTable;
use crate::components::verdict::{Badge, Tone};
use crate::error::ApiError;
use model::text::{group_thousands, visible};
use model::{EventQuery, EventRow, Page, SavedView};

use crate::components::page::{ErrorBox, PageHeader};

/// The events of every stored bundle, searched across incidents as the URL's query
/// string says (the parameters of `GET /api/events`), so a search is a link; with
/// the reviewer's saved views.
#[component]
pub fn EventsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| EventQuery::from_params(|name| params.read().get(name)));
    let results = Resource::new(
        move || query.get(),
        |query| async move {
            let answer = search_events(query.to_query_string()).await;
            (query, answer)
        },
    );
    let save = ServerAction::<SaveView>::new();
    let delete = ServerAction::<DeleteView>::new();
    let views = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| saved_views(),
    );
    view! {
        <Title text="Events"/>
        <PageHeader
            title="Events"
            lead="Search the events of every stored bundle, across incidents: by actor, kind, resource, credential, policy decision, verdict, time or free text. A search is a link; save the ones you come back to."
        />
        <Views views save delete query/>
        <Transition fallback=|| view! { <p class="text-slate-600 dark:text-slate-300">"Searching…"</p> }>
            {move || Suspend::new(async move {
                let (query, answer) = results.await;
                view! {
                    <Filters query=query.clone()/>
                    {match answer {
                        Ok(page) => view! { <Results query page/> }.into_any(),
                        Err(error @ ApiError::Invalid(_)) => view! {
                            <div data-testid="search-invalid"><ErrorBox error/></div>
                        }.into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }}
                }
            })}
        </Transition>
    }
}

/// The reviewer's saved views as links, each with Delete; and a form to save the
/// search on the page.
#[component]
fn Views(
    views: Resource<Result<Vec<SavedView>, ApiError>>,
    save: ServerAction<SaveView>,
    delete: ServerAction<DeleteView>,
    query: Memo<EventQuery>,
) -> impl IntoView {
    view! {
        <section aria-labelledby="views-title" class="mb-6 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900" data-testid="saved-views">
            <h2 id="views-title" class="text-sm font-semibold">"Your saved views"</h2>
            <Transition fallback=|| ()>
                {move || views.get().map(|r| match r {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">"None yet: filter the events below, then save the search under a name."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="mt-2 flex flex-wrap gap-2">
                            {list.into_iter().map(|v| view! {
                                <li class="flex items-center gap-1 rounded-full border border-slate-300 py-0.5 pl-3 pr-1 text-sm dark:border-slate-700" data-testid="saved-view">
                                    <a class="underline" href=format!("/events?{}", v.query) title=v.query.clone()>{visible(&v.name)}</a>
                                    <ActionForm action=delete attr:class="inline">
                                        <input type="hidden" name="id" value=v.id.to_string()/>
                                        <button type="submit" class="rounded-full px-1.5 text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800" aria-label=format!("Delete the view {}", v.name)>"×"</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
            {move || query.get().is_filtered().then(|| view! {
                <ActionForm action=save attr:class="mt-3 flex flex-wrap items-end gap-2" attr:data-testid="save-view">
                    <input type="hidden" name="query" value=query.get().on_page(1).to_query_string()/>
                    <label class=FILTER_LABEL>"Save this search as"
                        <input name="name" required maxlength="100" class=FILTER_INPUT placeholder="e.g. Denied calls this week"/>
                    </label>
                    <button type="submit" class="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50 dark:bg-slate-100 dark:text-slate-900" disabled=move || save.pending().get()>"Save view"</button>
                </ActionForm>
            })}
            <ActionError error=Signal::derive(move || failed(save.value().get()))/>
        </section>
    }
}

/// The filters, as a GET form whose fields are the URL's parameters.
#[component]
fn Filters(query: EventQuery) -> impl IntoView {
    let value = {
        let query = query.clone();
        move |name: &str| query.get(name).unwrap_or_default()
    };
    let text = {
        let value = value.clone();
        move |name: &'static str, label: &'static str, hint: &'static str| {
            view! {
                <label class=FILTER_LABEL>{label}
                    <input name=name value=value(name) class=FILTER_INPUT placeholder=hint/>
                </label>
            }
        }
    };
    let choice = {
        let value = value.clone();
        move |name: &'static str,
              label: &'static str,
              any: &'static str,
              options: Vec<&'static str>| {
            let current = value(name);
            view! {
                <label class=FILTER_LABEL>{label}
                    <select name=name class=FILTER_INPUT>
                        <option value="" selected=current.is_empty()>{any}</option>
                        {options.into_iter().map(|o| view! { <option value=o selected=current == o>{o}</option> }).collect_view()}
                    </select>
                </label>
            }
        }
    };
    view! {
        <Form method="GET" action="/events" attr:class="mb-6 grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4 dark:border-slate-800 dark:bg-slate-900" attr:data-testid="event-filters" attr:role="search">
            <div class="sm:col-span-2 lg:col-span-4">
                {text("q", "Free text (words of the payload and summary)", "e.g. ledger_entries")}
            </div>
            {text("actor", "Actor (as actor, initiator or on behalf of)", "e.g. agent:deploy-bot")}
            {choice("actor_type", "Actor type", "Any actor type", ActorType::ALL.iter().map(|t| t.as_str()).collect())}
            {choice("kind", "Kind", "Any kind", Kind::ALL.iter().map(|k| k.as_str()).collect())}
            {text("resource", "Resource (exact)", "e.g. vault://kv/prod/db")}
            {text("credential", "Credential (token ID)", "e.g. tok-7f3a")}
            {text("decision", "Policy decision", "allow, deny, …")}
            {choice("verdict", "Verdict", "Any verdict", vec!["pass", "fail", "unknown"])}
            {choice("sort", "Order", "Oldest first", vec!["-time", "index", "-index"])}
            <label class=FILTER_LABEL>"From (day or time, UTC)"
                <input name="from" value=value("from") class=FILTER_INPUT placeholder="2026-11-17"/>
            </label>
            <label class=FILTER_LABEL>"To (through that day, or before that time)"
                <input name="to" value=value("to") class=FILTER_INPUT placeholder="2026-11-18"/>
            </label>
            <label class=FILTER_LABEL>"Incident number"
                <input name="incident" inputmode="numeric" value=value("incident") class=FILTER_INPUT/>
            </label>
            <label class=FILTER_LABEL>"Bundle (SHA-256)"
                <input name="bundle" value=value("bundle") class=FILTER_INPUT/>
            </label>
            <div class="flex items-end gap-3 sm:col-span-2 lg:col-span-4">
                <button type="submit" class="rounded-md bg-slate-900 px-4 py-1.5 text-sm font-medium text-white dark:bg-slate-100 dark:text-slate-900">"Search"</button>
                <a href="/events" class="text-sm underline">"Clear"</a>
            </div>
        </Form>
    }
}

fn verdict_tone(verdict: &str) -> Tone {
    match verdict {
        "pass" => Tone::Good,
        "fail" => Tone::Bad,
        _ => Tone::Warn,
    }
}

/// One page of matching events, with paging and the CSV of every match.
#[component]
fn Results(query: EventQuery, page: Page<EventRow>) -> impl IntoView {
    let pages = u32::try_from(
        (page.total + i64::from(page.per_page) - 1) / i64::from(page.per_page.max(1)),
    )
    .unwrap_or(u32::MAX)
    .max(1);
    let at = page.page;
    let first = (i64::from(at) - 1) * i64::from(page.per_page) + 1;
    let last = first + i64::try_from(page.items.len()).unwrap_or(0) - 1;
    let link = |q: EventQuery| format!("/events?{}", q.to_query_string());
    // Next and Previous name the event the page starts after or ends before, so
    // that a page deep in a long search is read as fast as the first.
    let next = page.next.as_deref().map(|c| link(query.after(c, at + 1)));
    let prev = page
        .prev
        .as_deref()
        .map(|c| link(query.before(c, at.saturating_sub(1))));
    // Past the last match (an address kept from an earlier search): back to the first.
    let first_page = (prev.is_none() && at > 1).then(|| link(query.on_page(1)));
    let total_text = page.total_text();
    // Past the count's limit the number of pages is not known: a page within it is
    // one "of more than" the pages counted, a page past it has its number alone.
    let (n, of) = (group_thousands(at.into()), group_thousands(pages.into()));
    let page_text = match (page.total_capped, at < pages) {
        (false, _) => format!("Page {n} of {of}"),
        (true, true) => format!("Page {n} of more than {of}"),
        (true, false) => format!("Page {n}"),
    };
    let csv = format!(
        "/api/events/export/events.csv?{}",
        query.unpaged().to_query_string()
    );
    view! {
        <div class="mb-2 flex flex-wrap items-baseline justify-between gap-2">
            <p class="text-sm" role="status" data-testid="event-count">
                {if page.total == 0 {
                    "No event matches.".to_owned()
                } else if page.items.is_empty() {
                    format!("No event on this page; {total_text} match.")
                } else {
                    format!("{}–{} of {total_text} event{}", group_thousands(first), group_thousands(last), if page.total == 1 && !page.total_capped { "" } else { "s" })
                }}
            </p>
            <a href=csv rel="external" download class="text-sm font-medium underline" data-testid="events-csv">"Download every match as CSV"</a>
        </div>
        {(page.total > 0).then(|| view! {
            <DataTable columns=&["Time", "Kind", "Actor", "What", "Resource", "Credential", "Decision", "Verdict", "Event"] testid="event-results">
                {page.items.into_iter().map(|e| {
                    let not_read = "not recorded: its signature did not hold, so its payload was not read";
                    let or_none = |v: &Option<String>| v.as_deref().map_or_else(|| "—".to_owned(), visible);
                    let read = e.kind.is_some();
                    view! {
                        <tr data-testid="event-row">
                            <td class="px-4 py-2 whitespace-nowrap">{e.time.as_deref().map_or_else(|| "not recorded".to_owned(), readable)}</td>
                            <td class="px-4 py-2 font-mono text-xs">{e.kind.clone().unwrap_or_else(|| "not read".into())}</td>
                            <td class="px-4 py-2">{e.actor_id.as_deref().map(visible).map(|a| format!("{a} ({})", e.actor_type.clone().unwrap_or_default()))}</td>
                            <td class="px-4 py-2 min-w-48">{if read { or_none(&e.summary) } else { not_read.to_owned() }}
                                {e.provenance.filter(|p| !p.is_signed()).map(|p| view! { <div class="mt-1"><crate::components::verdict::EventProvenanceBadge provenance=Some(p)/></div> })}
                            </td>
                            <td class="px-4 py-2 break-all">{or_none(&e.resource)}</td>
                            <td class="px-4 py-2 font-mono text-xs">{or_none(&e.credential_id)}</td>
                            <td class="px-4 py-2">{or_none(&e.decision)}</td>
                            <td class="px-4 py-2"><Badge tone=verdict_tone(&e.verdict) text=e.verdict.clone()/></td>
                            <td class="px-4 py-2 whitespace-nowrap"><a class="underline" href=format!("/bundles/{}?event={}", e.bundle_sha256, e.index)>{format!("#{} in {}…", e.index, &e.bundle_sha256[..8.min(e.bundle_sha256.len())])}</a></td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
            <nav aria-label="Pages of events" class="mt-3 flex items-center gap-3 text-sm">
                {prev.map(|href| view! { <a class="underline" href=href rel="prev">"Previous"</a> })}
                {first_page.map(|href| view! { <a class="underline" href=href>"First page"</a> })}
                <span>{page_text}</span>
                {next.map(|href| view! { <a class="underline" href=href rel="next">"Next"</a> })}
            </nav>
        })}
    }
}
