use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::api::list_incidents;
use crate::components::forms::{FILTER_INPUT, FILTER_LABEL};
use crate::components::table::DataTable;
use crate::components::upload::UploadBundle;
use crate::components::verdict::{Badge, Tone, VerdictBadge};
use crate::error::ApiError;
use model::{
    BundleStatus, IncidentList, IncidentQuery, IncidentSort, IncidentStatus, IncidentSummary,
    Severity, StatusCount,
};

use crate::components::page::{ErrorBox, PageHeader};
use model::text::group_thousands;

/// The incident list: the cases under review, searched, filtered and sorted as the
/// URL's query string says, so that a filtered list is a link and works without
/// JavaScript.
#[component]
pub fn IncidentsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| query_of(&params.read()));
    // The query travels with its answer, so the form always shows what was listed.
    let list = Resource::new(
        move || query.get(),
        |query| async move {
            let answer = list_incidents(query.clone()).await;
            (query, answer)
        },
    );
    view! {
        <Title text="Incidents"/>
        <PageHeader
            title="Incidents"
            lead="Cases under review: each holds signed evidence bundles of what humans and agents did."
        />
        <UploadBundle on_stored=Callback::new(move |()| list.refetch())/>
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading incidents…"</p> }>
            {move || Suspend::new(async move {
                let (query, answer) = list.await;
                let filtered = query.is_filtered();
                match answer {
                    Ok(list) if list.all == 0 && !filtered => EmptyState().into_any(),
                    Ok(list) => {
                        let by_status = Some(list.by_status.clone());
                        view! {
                            <FirstRunHint/>
                            <Filters query=query.clone() by_status/>
                            <Results list query filtered/>
                        }
                            .into_any()
                    }
                    Err(ApiError::Invalid(message)) => {
                        view! {
                            <Filters query by_status=None/>
                            <InvalidFilters message/>
                        }
                            .into_any()
                    }
                    Err(error) => {
                        view! {
                            <Filters query by_status=None/>
                            <ErrorBox error/>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The query a URL's parameters ask for: empty parameters are absent ones.
fn query_of(params: &ParamsMap) -> IncidentQuery {
    let mut query = IncidentQuery::default();
    for name in IncidentQuery::PARAMETERS {
        query.set(name, params.get(name).filter(|v| !v.trim().is_empty()));
    }
    query
}

/// Leaves empty fields and the default order out of the URL a hydrated form goes
/// to, so that the same list has one address. (Without JavaScript the browser sends
/// every field; the page reads an empty one as an absent one.)
fn drop_unset(form: &web_sys::FormData) {
    // `<Form>` adds the submit button as a field, named and valued "" here.
    form.delete("");
    for name in IncidentQuery::PARAMETERS {
        let value = form.get(name).as_string().unwrap_or_default();
        if value.trim().is_empty() || (name == "sort" && value == IncidentSort::default().as_str())
        {
            form.delete(name);
        }
    }
}

/// The search box, the filters and the order, as a GET form whose fields are the
/// URL's parameters. `by_status` puts each status's count on its choice.
#[component]
fn Filters(query: IncidentQuery, by_status: Option<Vec<StatusCount>>) -> impl IntoView {
    let value = |name: &str| query.get(name).unwrap_or_default().to_owned();
    let chosen = |name: &str, option: &str| query.get(name).unwrap_or_default() == option;
    let count = |label: &str, n: Option<i64>| match n {
        Some(n) => format!("{label} ({n})"),
        None => label.to_owned(),
    };
    let all_statuses = by_status
        .as_ref()
        .map(|counts| counts.iter().map(|c| c.count).sum());
    let status_options = IncidentStatus::ALL
        .into_iter()
        .map(|status| {
            let n = by_status.as_ref().map(|counts| {
                counts
                    .iter()
                    .find(|c| c.status == status)
                    .map_or(0, |c| c.count)
            });
            view! {
                <option value=status.as_str() selected=chosen("status", status.as_str())>
                    {count(status.label(), n)}
                </option>
            }
        })
        .collect_view();
    let severity_options = Severity::ALL
        .into_iter()
        .map(|severity| {
            view! {
                <option value=severity.as_str() selected=chosen("severity", severity.as_str())>
                    {severity.label()}
                </option>
            }
        })
        .collect_view();
    let verdict_options = BundleStatus::ALL
        .into_iter()
        .map(|verdict| (verdict.as_str(), verdict.label()))
        .chain([("none", "No bundles")])
        .map(|(name, label)| {
            view! { <option value=name selected=chosen("verdict", name)>{label}</option> }
        })
        .collect_view();
    let sort = query
        .sort
        .as_deref()
        .unwrap_or(IncidentSort::default().as_str())
        .to_owned();
    let sort_options = IncidentSort::ALL
        .into_iter()
        .map(|option| {
            view! {
                <option value=option.as_str() selected=sort == option.as_str()>{option.label()}</option>
            }
        })
        .collect_view();
    let (q, from, to, actor, assignee) = (
        value("q"),
        value("from"),
        value("to"),
        value("actor"),
        value("assignee"),
    );
    let any_status = query.status.is_none();
    let any_severity = query.severity.is_none();
    let any_verdict = query.verdict.is_none();
    let tidy: Arc<dyn Fn(&web_sys::FormData)> = Arc::new(drop_unset);
    view! {
        <section
            aria-labelledby="filters-title"
            class="mb-4 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
        >
            <h2 id="filters-title" class="sr-only">"Filter the list"</h2>
            <Form method="GET" action="/" noscroll=true on_form_data=tidy>
                <div class="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
                    <div class="sm:col-span-2">
                        <label for="filter-q" class=FILTER_LABEL>"Search"</label>
                        <input
                            id="filter-q"
                            type="search"
                            name="q"
                            value=q
                            placeholder="Words in the title or description"
                            class=FILTER_INPUT
                        />
                    </div>
                    <div>
                        <label for="filter-status" class=FILTER_LABEL>"Status"</label>
                        <select id="filter-status" name="status" class=FILTER_INPUT>
                            <option value="" selected=any_status>
                                {count("All statuses", all_statuses)}
                            </option>
                            {status_options}
                        </select>
                    </div>
                    <div>
                        <label for="filter-severity" class=FILTER_LABEL>"Severity"</label>
                        <select id="filter-severity" name="severity" class=FILTER_INPUT>
                            <option value="" selected=any_severity>"Any severity"</option>
                            {severity_options}
                        </select>
                    </div>
                    <div>
                        <label for="filter-verdict" class=FILTER_LABEL>"Verdict"</label>
                        <select id="filter-verdict" name="verdict" class=FILTER_INPUT>
                            <option value="" selected=any_verdict>"Any verdict"</option>
                            {verdict_options}
                        </select>
                    </div>
                    <div>
                        <label for="filter-from" class=FILTER_LABEL>"Opened from"</label>
                        <input id="filter-from" type="date" name="from" value=from class=FILTER_INPUT/>
                    </div>
                    <div>
                        <label for="filter-to" class=FILTER_LABEL>"Opened to"</label>
                        <input id="filter-to" type="date" name="to" value=to class=FILTER_INPUT/>
                    </div>
                    <div>
                        <label for="filter-sort" class=FILTER_LABEL>"Sort by"</label>
                        <select id="filter-sort" name="sort" class=FILTER_INPUT>{sort_options}</select>
                    </div>
                    <div class="sm:col-span-2">
                        <label for="filter-actor" class=FILTER_LABEL>"Actor"</label>
                        <input
                            id="filter-actor"
                            type="text"
                            name="actor"
                            value=actor
                            placeholder="An identity or name in the evidence"
                            class=FILTER_INPUT
                        />
                    </div>
                    <div class="sm:col-span-2">
                        <label for="filter-assignee" class=FILTER_LABEL>"Assignee"</label>
                        <input
                            id="filter-assignee"
                            type="text"
                            name="assignee"
                            value=assignee
                            placeholder="Reviewer's name"
                            class=FILTER_INPUT
                        />
                    </div>
                </div>
                <div class="mt-4 flex items-center gap-4">
                    <button
                        type="submit"
                        class="rounded-md bg-emerald-700 px-4 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 focus:outline-none focus:ring-2 focus:ring-emerald-500/40"
                    >
                        "Apply filters"
                    </button>
                    <a href="/" class="text-sm font-medium text-emerald-700 underline dark:text-emerald-400">
                        "Clear filters"
                    </a>
                </div>
            </Form>
        </section>
    }
}

/// How many incidents match, and the table of them.
#[component]
fn Results(list: IncidentList, query: IncidentQuery, filtered: bool) -> impl IntoView {
    let pages = list.pages();
    let IncidentList {
        items,
        total,
        all,
        page,
        ..
    } = list;
    let per_page = i64::from(IncidentQuery::PER_PAGE);
    let link = move |n: u32| format!("/?{}", query.on_page(n).to_query_string());
    let first = (i64::from(page) - 1) * per_page + 1;
    let last = first + i64::try_from(items.len()).unwrap_or(0) - 1;
    let pager = (pages > 1).then(|| {
        view! {
            <nav aria-label="Pages of incidents" class="mt-3 flex items-center gap-3 text-sm">
                {(page > 1).then(|| view! { <a class="underline" href=link(page - 1) rel="prev">"Previous"</a> })}
                <span>{format!("Incidents {}–{} of {}, page {} of {}", group_thousands(first), group_thousands(last), group_thousands(total), group_thousands(page.into()), group_thousands(pages.into()))}</span>
                {(page < pages).then(|| view! { <a class="underline" href=link(page + 1) rel="next">"Next"</a> })}
            </nav>
        }
    });
    view! {
        <p class="mb-3 text-sm text-slate-500" role="status" data-testid="incident-summary">
            <span data-testid="incident-count">{plural(total, "incident")}</span>
            {filtered.then(|| format!(" match these filters, of {} in all", group_thousands(all)))}
        </p>
        {if items.is_empty() {
            view! {
                <p class="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-slate-600 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-400">
                    "No incident matches these filters. "
                    <a href="/" class="font-medium text-emerald-700 underline dark:text-emerald-400">"Clear filters"</a>
                    " to see every incident."
                </p>
            }
                .into_any()
        } else {
            view! { <IncidentTable incidents=items/> {pager} }.into_any()
        }}
    }
}

/// "1 incident", "2 incidents", "1,835 incidents".
fn plural(n: i64, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        group_thousands(n),
        if n == 1 { "" } else { "s" }
    )
}

/// Parameters the list cannot use, named, with the way out.
#[component]
fn InvalidFilters(message: String) -> impl IntoView {
    view! {
        <div
            role="alert"
            data-testid="filter-error"
            class="rounded-lg border border-red-300 bg-red-50 p-4 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
            <p class="font-semibold">"These filters cannot be applied"</p>
            <p class="mt-1">{message}</p>
            <p class="mt-2">
                <a href="/" class="font-medium underline">"Clear filters"</a>
                " or correct the values above."
            </p>
        </div>
    }
}

/// A time as people read it, its date and its time each kept on one line.
fn stamp(text: &str) -> impl IntoView {
    let read = evidence::time::readable(text);
    let (date, time) = read.split_once(' ').unwrap_or((read.as_str(), ""));
    let (date, time) = (date.to_owned(), time.to_owned());
    view! {
        <span class="whitespace-nowrap">{date}</span>" "
        <span class="whitespace-nowrap">{time}</span>
    }
}

/// When an incident's evidence happened, as its bundles' events date it.
fn evidence_span(bundles: i64, first: Option<&str>, last: Option<&str>) -> String {
    match (first, last) {
        _ if bundles == 0 => "no evidence yet".to_owned(),
        (Some(a), Some(b)) if a == b => evidence::time::readable(a),
        (Some(a), Some(b)) => {
            let (a, b) = (evidence::time::readable(a), evidence::time::readable(b));
            // The same day once: `2026-11-17 13:58:02 to 14:19:27 UTC`.
            match (a.get(..10), b.get(..10), b.get(11..)) {
                (Some(da), Some(db), Some(rest)) if da == db => {
                    format!("{} to {rest}", a.trim_end_matches(" UTC"))
                }
                _ => format!("{a} to {b}"),
            }
        }
        _ => "not recorded: no event of its bundles could be read".to_owned(),
    }
}

#[component]
fn IncidentTable(incidents: Vec<IncidentSummary>) -> impl IntoView {
    view! {
        <DataTable
            columns=&["#", "Title", "Evidence", "Evidence happened", "Status", "Severity", "Assignee", "Opened in Custody", "Updated"]
            testid="incident-table"
        >
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
                            <td class="min-w-56 px-4 py-2 font-medium">
                                <a href=format!("/incidents/{}", i.id) class="hover:underline" data-testid="incident-link">{model::text::visible(&i.title)}</a>
                            </td>
                            <td class="px-4 py-2">
                                {i.verdict.map(|verdict| view! { <VerdictBadge verdict/> })}
                                <span class="block whitespace-nowrap text-xs text-slate-500">
                                    {format!(
                                        "{}, {}",
                                        plural(i.bundle_count, "bundle"),
                                        plural(i.event_count, "event"),
                                    )}
                                </span>
                            </td>
                            <td class="px-4 py-2 text-xs" data-testid="evidence-span">{evidence_span(i.bundle_count, i.first_event_at.as_deref(), i.last_event_at.as_deref())}</td>
                            <td class="px-4 py-2"><Badge tone text=i.status.label()/></td>
                            <td class="px-4 py-2">{i.severity.label()}</td>
                            <td class="px-4 py-2" data-testid="assignee" data-username=i.assignee.clone()>{i.assignee_name.unwrap_or_else(|| "—".into())}</td>
                            <td class="px-4 py-2 text-xs">{stamp(&i.created_at)}</td>
                            <td class="px-4 py-2 text-xs">{stamp(&i.updated_at)}</td>
                        </tr>
                    }
                })
                .collect_view()}
        </DataTable>
    }
}

/// The class on `<html>` that hides the first-run hint, set before the first paint
/// by the shell's boot script when the reviewer dismissed the hint in this browser.
pub const FIRST_RUN_DISMISSED: &str = "first-run-dismissed";
/// Where the dismissal is remembered (local storage of this browser).
pub const FIRST_RUN_KEY: &str = "custody-first-run";

/// Where to start, in four steps with their links: the first-run hint and the empty
/// list say the same.
#[component]
fn StartWith() -> impl IntoView {
    const LINK: &str = "font-medium text-emerald-800 underline dark:text-emerald-300";
    view! {
        <ol class="mt-2 list-decimal space-y-1 pl-5 text-sm">
            <li>
                "Open an incident in the list. Its badge is its evidence's verdict; every badge, reason code and finding links to what it means."
            </li>
            <li>
                "Upload a bundle: drop a " <code>".bundle.json"</code>
                " file on the area above, or run " <code>"custody ingest bundle.json"</code>
                ". The server verifies it and opens an incident for it."
            </li>
            <li>
                "Check a bundle without trusting this server: "
                <a href="/verify" class=LINK>"Verify"</a>
                " runs the verifier in your browser and uploads nothing."
            </li>
            <li>
                "Read " <a href="/help" class=LINK>"Help"</a>
                ": what to do first, and every verdict, reason code, attribution gap and role."
            </li>
        </ol>
    }
}

/// "New here?": shown above the list until the reviewer hides it in this browser
/// (remembered in local storage; the shell hides it before the first paint).
#[component]
fn FirstRunHint() -> impl IntoView {
    let hydrated = crate::components::hydrated::use_hydrated();
    view! {
        <section
            aria-labelledby="first-run-title"
            data-testid="first-run"
            data-first-run=""
            class="mb-6 rounded-lg border border-emerald-200 bg-emerald-50 p-4 dark:border-emerald-900 dark:bg-emerald-950/40"
        >
            <div class="flex flex-wrap items-start gap-4">
                <div class="min-w-0 flex-1">
                    <h2 id="first-run-title" class="font-semibold">"New here? Start with…"</h2>
                    <StartWith/>
                </div>
                <button
                    type="button"
                    data-testid="first-run-dismiss"
                    disabled=move || !hydrated.get()
                    on:click=move |_| dismiss_first_run()
                    class="rounded-md border border-emerald-300 bg-white px-3 py-1 text-sm text-slate-700 hover:bg-emerald-100 disabled:opacity-50 dark:border-emerald-800 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-emerald-900/40"
                >
                    "Hide this hint"
                </button>
            </div>
        </section>
    }
}

/// Hides the hint now and in later visits from this browser.
fn dismiss_first_run() {
    if let Some(root) = document().document_element() {
        let _ = root.class_list().add_1(FIRST_RUN_DISMISSED);
    }
    if let Ok(Some(storage)) = window().local_storage() {
        let _ = storage.set_item(FIRST_RUN_KEY, "dismissed");
    }
}

#[component]
fn EmptyState() -> impl IntoView {
    view! {
        <section
            aria-labelledby="empty-title"
            data-testid="first-run"
            class="rounded-lg border border-dashed border-slate-300 bg-white p-8 dark:border-slate-700 dark:bg-slate-900"
        >
            <h2 id="empty-title" class="text-lg font-semibold">"No incidents yet"</h2>
            <p class="mt-2 max-w-2xl text-slate-600 dark:text-slate-400">
                "An incident appears here when an evidence bundle is loaded into it. New here? Start with…"
            </p>
            <div class="max-w-2xl">
                <StartWith/>
            </div>
        </section>
    }
}
