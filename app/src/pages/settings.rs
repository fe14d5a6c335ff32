use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::fetch_server_info;
use crate::components::verdict::{Badge, Tone};
use crate::model::ServerInfo;

use super::{ErrorBox, PageHeader};

/// What this server runs on, read from the server itself.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let info = Resource::new(|| (), |_| fetch_server_info());
    view! {
        <Title text="Settings"/>
        <PageHeader title="Settings" lead="This server's version and storage, as it reports them."/>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! { <InfoList info/> }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn InfoList(info: ServerInfo) -> impl IntoView {
    let row = |term: &'static str, value: AnyView| {
        view! {
            <div class="grid grid-cols-3 gap-4 px-4 py-3">
                <dt class="text-sm font-medium text-slate-500">{term}</dt>
                <dd class="col-span-2 text-sm">{value}</dd>
            </div>
        }
    };
    let ok = |good: bool, text: String| {
        view! { <Badge tone=if good { Tone::Good } else { Tone::Bad } text/> }.into_any()
    };
    view! {
        <dl class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
            {row("Version", info.version.into_any())}
            {row("Database", info.database.label().into_any())}
            {row("Schema migrations applied", info.migrations_applied.to_string().into_any())}
            {info.sqlite.map(|s| view! {
                {row("Journal mode", ok(s.journal_mode == "wal", s.journal_mode))}
                {row("Synchronous", ok(s.synchronous == "FULL", s.synchronous))}
                {row("Foreign keys", ok(s.foreign_keys, if s.foreign_keys { "on".into() } else { "off".into() }))}
            })}
        </dl>
    }
}
