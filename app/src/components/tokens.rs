//! Machine tokens, on the Users page: make one (its secret shown once), list them
//! with their scope, expiry and last use, revoke one.

use leptos::prelude::*;

use crate::api::{list_tokens, CreateToken, RevokeToken};
use crate::components::forms::{failed, ActionError, BUTTON, INPUT};
use crate::components::hydrated::use_hydrated;
use crate::components::page::ErrorBox;
use crate::components::table::DataTable;
use model::TokenState;

/// When a stored time was, or what its absence means.
fn when(at: &Option<String>, absent: &'static str) -> String {
    at.as_deref()
        .map_or_else(|| absent.to_owned(), evidence::time::readable)
}

/// The Machine tokens section.
#[component]
pub fn MachineTokens() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let hydrated = use_hydrated();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    view! {
        <section class="mt-10" aria-labelledby="tokens-heading" data-testid="machine-tokens">
            <h2 id="tokens-heading" class="mb-1 text-lg font-semibold">"Machine tokens"</h2>
            <p class="mb-3 max-w-3xl text-sm text-slate-700 dark:text-slate-300">
                "A pipeline or an OpenTelemetry exporter sends evidence with a token instead of a person's password ("
                <code class="font-mono">"Authorization: Bearer …"</code>
                "). A token may only send bundles and traces, into one incident when it is scoped to one; it reads nothing. Its uses are in the review log as "
                <code class="font-mono">"token:name"</code>"."
            </p>
            <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || tokens.get().map(|r| match r {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(all) if all.is_empty() => view! {
                        <p class="text-sm text-slate-600 dark:text-slate-400" data-testid="no-tokens">"No machine token has been made."</p>
                    }.into_any(),
                    Ok(all) => view! {
                        <DataTable columns=&["Token", "May send into", "Made", "Expires", "Last used", "State", "Revoke"] testid="tokens">
                            {all.into_iter().map(|t| {
                                let name = t.name.clone();
                                let state = match (t.state, &t.revoked_by) {
                                    (TokenState::Revoked, Some(by)) => format!("revoked by {by} {}", when(&t.revoked_at, "")),
                                    (state, _) => state.label().to_owned(),
                                };
                                view! {
                                    <tr data-token=t.name.clone()>
                                        <td class="px-4 py-2 font-mono text-sm">{model::text::visible(&t.name)}</td>
                                        <td class="px-4 py-2 text-sm">{match t.incident {
                                            Some(id) => view! { <a class="underline" href=format!("/incidents/{id}")>{format!("incident #{id}")}</a> }.into_any(),
                                            None => "any incident".into_any(),
                                        }}</td>
                                        <td class="px-4 py-2 text-sm">{format!("{} by {}", evidence::time::readable(&t.created_at), t.created_by)}</td>
                                        <td class="px-4 py-2 text-sm">{evidence::time::readable(&t.expires_at)}</td>
                                        <td class="px-4 py-2 text-sm" data-testid="token-last-used">{when(&t.last_used_at, "never used")}</td>
                                        <td class="px-4 py-2 text-sm" data-testid="token-state">{state}</td>
                                        <td class="px-4 py-2">
                                            {(t.state == TokenState::Active).then(|| view! {
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="name" value=name.clone()/>
                                                    <button type="submit" class="text-sm font-medium text-red-800 underline dark:text-red-300" aria-label=format!("Revoke token {name}")>"Revoke"</button>
                                                </ActionForm>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
                    }.into_any(),
                })}
            </Transition>
            <ActionError error=Signal::derive(move || failed(revoke.value().get()))/>
            {move || create.value().get().and_then(Result::ok).map(|made| view! {
                <div role="status" data-testid="token-secret" class="mt-4 max-w-3xl rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
                    <p>{format!("Secret of token {}: ", made.token.name)}<code class="break-all font-mono text-sm font-semibold" data-testid="token-secret-value">{made.secret}</code></p>
                    <p class="mt-1">"Shown once, here only; Custody keeps only its hash. Put it where the pipeline reads it (a secret store, "<code class="font-mono">"CUSTODY_TOKEN"</code>")."</p>
                </div>
            })}
            <ActionForm action=create attr:class="mt-4 grid max-w-3xl grid-cols-1 gap-2 sm:grid-cols-3" attr:data-testid="add-token">
                <label class="block text-sm">"Name"<input name="name" required class=INPUT placeholder="ci-pipeline"/></label>
                <label class="block text-sm">"Incident (empty: any)"<input name="incident" inputmode="numeric" class=INPUT/></label>
                <label class="block text-sm">"Expires in (days)"<input name="days" type="number" min="1" max="366" value="90" required class=INPUT/></label>
                <div class="sm:col-span-3">
                    <button type="submit" class=BUTTON disabled=move || !hydrated.get() || create.pending().get()>"Make token"</button>
                    <ActionError error=Signal::derive(move || failed(create.value().get()))/>
                </div>
            </ActionForm>
        </section>
    }
}
