use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{list_accounts, AddAccount, ChangeAccount, ResetPassword};
use crate::components::account::use_me;
use crate::components::forms::{failed, ActionError, BUTTON, INPUT};
use crate::components::hydrated::use_hydrated;
use crate::components::table::DataTable;
use model::Role;

use crate::components::page::{ErrorBox, PageHeader};

/// Accounts and roles, for admins (the server refuses everyone else).
#[component]
pub fn UsersPage() -> impl IntoView {
    let add = ServerAction::<AddAccount>::new();
    let change = ServerAction::<ChangeAccount>::new();
    let reset = ServerAction::<ResetPassword>::new();
    // The one-time password is shown by the page once it is answered: without the
    // page's script the answer would be lost, so the button waits for it.
    let hydrated = use_hydrated();
    let accounts = Resource::new(
        move || {
            (
                add.version().get(),
                change.version().get(),
                reset.version().get(),
            )
        },
        |_| list_accounts(),
    );
    let me = use_me();
    view! {
        <Title text="Users"/>
        <PageHeader title="Users" lead="Accounts and their roles. A role change or a disabled account takes effect on the account's next request; every change is in the review log."/>
        <Transition fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || accounts.get().map(|r| match r {
                Err(error) => view! { <ErrorBox error/> }.into_any(),
                Ok(all) => view! {
                    <DataTable columns=&["User", "Name", "Role", "State", "Change"] testid="users">
                        {all.into_iter().map(|a| {
                            let mine = me.username().as_deref() == Some(a.username.as_str());
                            let disabled = a.disabled_at.is_some();
                            let (name, name1, name2, name3) = (a.username.clone(), a.username.clone(), a.username.clone(), a.username.clone());
                            let state = match (&a.disabled_at, a.password_expired) {
                                (Some(at), _) => format!("disabled {}", evidence::time::readable(at)),
                                (None, true) => "enabled; must replace its one-time password".to_owned(),
                                (None, false) => "enabled".to_owned(),
                            };
                            let role = a.role;
                            view! {
                                <tr data-user=name.clone()>
                                    <td class="px-4 py-2 font-mono text-sm">{model::text::visible(&a.username)}</td>
                                    <td class="px-4 py-2">{model::text::visible(&a.display_name)}</td>
                                    <td class="px-4 py-2">{a.role.label()}</td>
                                    <td class="px-4 py-2">{state}</td>
                                    <td class="px-4 py-2">
                                        {(!mine).then(|| view! {
                                            <ActionForm action=change attr:class="flex flex-wrap items-center gap-2">
                                                <input type="hidden" name="username" value=name1.clone()/>
                                                <select name="role" aria-label=format!("Role of {name1}") class="rounded-md border border-slate-300 px-1 py-0.5 text-sm dark:border-slate-700 dark:bg-slate-900">
                                                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == role>{r.label()}</option> }).collect_view()}
                                                </select>
                                                <button type="submit" class="text-sm underline">"Set role"</button>
                                            </ActionForm>
                                            <ActionForm action=change attr:class="mt-1">
                                                <input type="hidden" name="username" value=name2/>
                                                <input type="hidden" name="disabled" value=(!disabled).to_string()/>
                                                <button type="submit" class="text-sm underline">{if disabled { "Enable" } else { "Disable" }}</button>
                                            </ActionForm>
                                            <details class="mt-1">
                                                <summary class="cursor-pointer text-sm underline">"Reset password…"</summary>
                                                <ActionForm action=reset attr:class="mt-1">
                                                    <input type="hidden" name="username" value=name3.clone()/>
                                                    <p class="text-xs text-slate-700 dark:text-slate-300">{format!("{name3}'s password stops working and their sessions end.")}</p>
                                                    <button type="submit" data-testid="reset-password" class="text-sm font-medium text-red-800 underline dark:text-red-300" disabled=move || !hydrated.get() || reset.pending().get()>"Issue a one-time password"</button>
                                                </ActionForm>
                                            </details>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </DataTable>
                }.into_any(),
            })}
        </Transition>
        <ActionError error=Signal::derive(move || failed(change.value().get()))/>
        <ActionError error=Signal::derive(move || failed(reset.value().get()))/>
        {move || {
            reset.value().get().and_then(Result::ok).map(|issued| view! {
                <div role="status" data-testid="one-time-password" class="mt-4 max-w-xl rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
                    <p>{format!("One-time password for {}: ", issued.username)}<code class="font-mono text-base font-semibold" data-testid="one-time-password-value">{issued.password}</code></p>
                    <p class="mt-1">"Shown once, here only: give it to them over a channel you trust. They must replace it when they next sign in."</p>
                </div>
            })
        }}
        <section class="mt-8 max-w-xl">
            <h2 class="mb-2 text-lg font-semibold">"Add a user"</h2>
            <ActionForm action=add attr:class="grid grid-cols-1 gap-2 sm:grid-cols-2" attr:data-testid="add-user">
                <label class="block text-sm">"User name"<input name="username" required class=INPUT/></label>
                <label class="block text-sm">"Display name"<input name="display_name" class=INPUT/></label>
                <label class="block text-sm">"Role"
                    <select name="role" class=INPUT>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="block text-sm">"Password (12 characters or more)"<input name="password" type="password" autocomplete="new-password" required minlength="12" class=INPUT/></label>
                <div class="sm:col-span-2">
                    <button type="submit" class=BUTTON disabled=move || add.pending().get()>"Add user"</button>
                    <ActionError error=Signal::derive(move || failed(add.value().get()))/>
                </div>
            </ActionForm>
        </section>
        <crate::components::tokens::MachineTokens/>
    }
}
