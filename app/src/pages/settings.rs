use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    fetch_collector, fetch_finding_policy, fetch_review_settings, fetch_server_info,
    fetch_trust_roots, AddTrustRoot, CertifyCollector, RemoveTrustRoot, ReverifyBundles,
    SetFindingPolicy, SetSignoffSteps,
};
use crate::components::account::IfCan;
use crate::components::forms::{failed, ActionError, BUTTON, INLINE_INPUT, INPUT};
use crate::components::table::DataTable;
use crate::components::verdict::{Badge, Tone};
use model::Permission;
use model::ServerInfo;

use crate::components::page::{ErrorBox, PageHeader};

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
        <TrustRoots/>
        <CollectorPanel/>
        <ReviewSettingsForm/>
        <FindingPolicyForm/>
    }
}

/// The trust roots bundles are verified against; admins add and remove them, and
/// re-verify every stored bundle.
#[component]
fn TrustRoots() -> impl IntoView {
    let add = ServerAction::<AddTrustRoot>::new();
    let remove = ServerAction::<RemoveTrustRoot>::new();
    let reverify = ServerAction::<ReverifyBundles>::new();
    let roots = Resource::new(
        move || (add.version().get(), remove.version().get()),
        |_| fetch_trust_roots(),
    );
    view! {
        <section class="mt-8" aria-labelledby="roots-title">
            <h2 id="roots-title" class="mb-2 text-lg font-semibold">"Trust roots"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">"The organisation root keys uploads are verified against. A change applies to new uploads; re-verify to recompute the stored verdicts' agreement."</p>
            <Transition fallback=|| ()>
                {move || roots.get().map(|r| match r {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(all) => view! {
                        <DataTable columns=&["Key ID", "Key file", "Label", "Added", "Remove"] testid="trust-roots">
                            {all.into_iter().map(|root| {
                                let key = root.public_key.clone();
                                let file = format!("trust-root-{}.pub", root.keyid);
                                let shown = file.clone();
                                view! {
                                    <tr>
                                        <td class="px-4 py-2 font-mono text-xs" title=root.public_key.clone()>{root.keyid.clone()}</td>
                                        <td class="px-4 py-2 text-sm">
                                            // The whole key, as `custody verify --trust` and the Verify page read it.
                                            <a href=format!("/api/trust-roots/{}/key", root.public_key) download=file rel="external"
                                                class="font-mono text-xs underline" data-testid="root-key-download">{shown}</a>
                                        </td>
                                        <td class="px-4 py-2 text-sm">{model::text::visible(&root.label)}</td>
                                        <td class="px-4 py-2 font-mono text-xs">{root.added_at.clone()}</td>
                                        <td class="px-4 py-2">
                                            <IfCan what=Permission::Administer>
                                                {let key = key.clone(); view! {
                                                // Two steps, with or without JavaScript: "Remove…" opens
                                                // the confirmation, whose button removes.
                                                <details class="text-sm">
                                                    <summary class="cursor-pointer underline">"Remove…"</summary>
                                                    <ActionForm action=remove attr:class="mt-1 space-y-1">
                                                        <input type="hidden" name="key" value=key/>
                                                        <p class="text-xs text-slate-600 dark:text-slate-400">"Bundles it verified stay as they are; uploads from now on are not trusted under it."</p>
                                                        <button type="submit" class="rounded-md bg-red-700 px-2 py-0.5 text-xs font-medium text-white" data-testid="remove-root">"Remove this root"</button>
                                                    </ActionForm>
                                                </details>
                                                }}
                                            </IfCan>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
                    }.into_any(),
                })}
            </Transition>
            <IfCan what=Permission::Administer>
                <ActionForm action=add attr:class="mt-3 flex flex-wrap items-end gap-2" attr:data-testid="add-root">
                    <label class="w-full max-w-xl text-sm">"Public key (hex, base64 or PEM)"<br/><input name="key" required class=INPUT/></label>
                    <label class="text-sm">"Label"<br/><input name="label" class=INLINE_INPUT/></label>
                    <button type="submit" class=BUTTON>"Trust this root"</button>
                </ActionForm>
                <ActionError error=Signal::derive(move || failed(add.value().get()).or_else(|| failed(remove.value().get())))/>
                <ActionForm action=reverify attr:class="mt-4">
                    <button type="submit" class=BUTTON disabled=move || reverify.pending().get() data-testid="reverify-all">"Re-verify every stored bundle"</button>
                </ActionForm>
                {move || reverify.value().get().map(|r| match r {
                    Err(e) => view! { <p role="alert" class="mt-1 text-sm text-red-700">{e.to_string()}</p> }.into_any(),
                    Ok(results) => {
                        let bad: Vec<_> = results.iter().filter(|r| !r.ok).collect();
                        view! {
                            <p class="mt-1 text-sm" data-testid="reverify-result">
                                {format!("{} bundles re-read; {} differ from what was stored.", results.len(), bad.len())}
                            </p>
                            <ul class="text-sm">
                                {bad.into_iter().map(|r| view! {
                                    <li class="text-xs">
                                        <span class="font-mono">{r.sha256.clone()}</span>
                                        <ul class="ml-4 list-disc">
                                            {r.differences.iter().map(|d| view! { <li>{model::text::visible(d)}</li> }).collect_view()}
                                        </ul>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </IfCan>
        </section>
    }
    .into_any()
}

/// The collector that signs received traces, and its certification by a root.
#[component]
fn CollectorPanel() -> impl IntoView {
    let certify = ServerAction::<CertifyCollector>::new();
    let hydrated = crate::components::hydrated::use_hydrated();
    let status = Resource::new(move || certify.version().get(), |_| fetch_collector());
    view! {
        <section class="mt-8" aria-labelledby="collector-title" data-testid="collector">
            <h2 id="collector-title" class="mb-2 text-lg font-semibold">"Collector"</h2>
            <p class="mb-3 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
                "The key this server signs OpenTelemetry traces with when it receives them ("<code class="font-mono">"POST /v1/traces"</code>") or imports them from a file. Its events are attested by the collector, not signed by the agents that acted; they verify only when a binding signed by a trusted root certifies this key."
            </p>
            <Transition fallback=|| ()>
                {move || status.get().map(|r| match r {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(c) => {
                        let (tone, said) = match c.state {
                            model::CollectorState::Certified => (Tone::Good, "certified"),
                            model::CollectorState::NotCertified => (Tone::Warn, "not certified"),
                            model::CollectorState::NotTrusted => (Tone::Bad, "not trusted"),
                        };
                        let command = format!("custody trust --root ROOT.key --key {} --subject {} --not-before 2000-01-01T00:00:00Z > collector-binding.json", c.public_key, c.id);
                        view! {
                            <dl class="grid max-w-3xl grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
                                <dt class="font-medium">"Collector ID"</dt><dd class="font-mono text-xs">{c.id.clone()}</dd>
                                <dt class="font-medium">"Public key"</dt><dd class="break-all font-mono text-xs" data-testid="collector-key">{c.public_key.clone()}</dd>
                                <dt class="font-medium">"Certification"</dt>
                                <dd data-testid="collector-state"><Badge tone text=said/>
                                    {c.root.clone().map(|r| format!(" by root {r}"))}
                                    {c.not_before.clone().map(|t| format!(", from {}", evidence::time::readable(&t)))}
                                    {c.not_after.clone().map(|t| format!(" until {}", evidence::time::readable(&t)))}
                                </dd>
                                {c.why.clone().map(|why| view! { <dt class="font-medium">"Why"</dt><dd class="text-sm">{model::text::visible(&why)}</dd> })}
                            </dl>
                            <IfCan what=Permission::Administer>
                                <p class="mt-3 max-w-3xl text-sm">{if c.state == model::CollectorState::Certified { "To certify it anew (another root, or before this binding ends), sign a binding with the organisation root of your choice (a trusted root above), then paste it here:" } else { "To certify it, sign a binding with the organisation root of your choice (a trusted root above), then paste it here:" }}</p>
                                <pre tabindex="0" aria-label="Command that signs the binding" class="mt-1 max-w-3xl overflow-x-auto rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">{command.clone()}</pre>
                                <p class="mt-1 max-w-3xl text-xs text-slate-600 dark:text-slate-400">"A key is trusted for an event at the event's time, and the collector signs spans dated before it receives them (and files of older spans): the binding must start before the earliest span it will seal. Spans dated before its start verify as untrusted."</p>
                            </IfCan>
                        }.into_any()
                    }
                })}
            </Transition>
            <IfCan what=Permission::Administer>
                <ActionForm action=certify attr:class="mt-2 max-w-3xl" attr:data-testid="certify-collector">
                    <label class="block text-sm">"Binding (JSON, as custody trust prints it)"<textarea name="binding" rows="3" required class=INPUT></textarea></label>
                    <button type="submit" class=format!("mt-2 {BUTTON}") disabled=move || !hydrated.get() || certify.pending().get()>"Certify the collector"</button>
                </ActionForm>
                <ActionError error=Signal::derive(move || failed(certify.value().get()))/>
            </IfCan>
        </section>
    }
}

/// How many sign-off steps an approval chain needs.
#[component]
fn ReviewSettingsForm() -> impl IntoView {
    let set = ServerAction::<SetSignoffSteps>::new();
    let settings = Resource::new(move || set.version().get(), |_| fetch_review_settings());
    view! {
        <section class="mt-8" aria-labelledby="review-settings-title">
            <h2 id="review-settings-title" class="mb-2 text-lg font-semibold">"Sign-off"</h2>
            <Transition fallback=|| ()>
                {move || settings.get().and_then(Result::ok).map(|s| view! {
                    <p class="text-sm" data-testid="signoff-steps">{format!("Each approval chain needs {} approving sign-off step{}, each by a different access reviewer.", s.signoff_steps, if s.signoff_steps == 1 { "" } else { "s" })}</p>
                })}
            </Transition>
            <IfCan what=Permission::Administer>
                <ActionForm action=set attr:class="mt-2 flex flex-wrap items-end gap-2">
                    <label class="text-sm">"Steps"<br/>
                        <select name="steps" class=INLINE_INPUT>
                            {(1..=5u32).map(|n| view! { <option value=n>{n}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class=BUTTON>"Set"</button>
                </ActionForm>
                <ActionError error=Signal::derive(move || failed(set.value().get()))/>
            </IfCan>
        </section>
    }
    .into_any()
}

/// The organisation's finding rules: shared accounts, resources that need a human
/// approval, and the clock skew allowed (see docs/findings.md).
#[component]
fn FindingPolicyForm() -> impl IntoView {
    let set = ServerAction::<SetFindingPolicy>::new();
    let policy = Resource::new(move || set.version().get(), |_| fetch_finding_policy());
    view! {
        <section class="mt-8" aria-labelledby="finding-policy-title" data-testid="finding-policy">
            <h2 id="finding-policy-title" class="mb-2 text-lg font-semibold">"Attribution-gap rules"</h2>
            <p class="text-sm text-slate-600 dark:text-slate-400">"Findings are computed from each bundle's evidence under these settings; changing them changes every bundle's findings at once. Patterns match account IDs or names and resources, with * for any run of characters."</p>
            <Transition fallback=|| ()>
                {move || policy.get().map(|p| match p {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(p) => view! {
                        <ActionForm action=set attr:class="mt-2 grid grid-cols-1 gap-2 sm:grid-cols-2">
                            <label class="block text-sm">"Shared accounts, one per line"
                                <textarea name="shared_accounts" rows="4" class=INPUT data-testid="shared-accounts">{p.shared_accounts.join("\n")}</textarea>
                            </label>
                            <label class="block text-sm">"Resources whose changes need a human approval, one per line"
                                <textarea name="approval_required" rows="4" class=INPUT data-testid="approval-required">{p.approval_required.join("\n")}</textarea>
                            </label>
                            <label class="block text-sm">"Clock skew allowed (seconds)"
                                <input type="number" min="0" max="86400" name="clock_skew_seconds" class=INPUT value=p.clock_skew_seconds/>
                            </label>
                            <IfCan what=Permission::Administer>
                                <div class="self-end"><button type="submit" class=BUTTON>"Save rules"</button></div>
                            </IfCan>
                        </ActionForm>
                    }.into_any(),
                })}
            </Transition>
            <ActionError error=Signal::derive(move || failed(set.value().get()))/>
        </section>
    }
    .into_any()
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
