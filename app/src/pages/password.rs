use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::ChangePassword;
use crate::components::account::use_me;
use crate::components::forms::{failed, ActionError, BUTTON, INPUT};
use crate::components::hydrated::use_hydrated;

use crate::components::page::PageHeader;

/// Replace one's own password: required before anything else while it is a
/// one-time password an admin set.
#[component]
pub fn PasswordPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let me = use_me();
    let hydrated = use_hydrated();
    let done = move || change.value().get().is_some_and(|r| r.is_ok());
    view! {
        <Title text="Password"/>
        <PageHeader title="Your password" lead="Replace your password. If an admin gave you a one-time password, you must replace it before you can do anything else. Every session of your account ends when it changes, this one too."/>
        <Transition fallback=|| ()>
            {move || me.0.get().flatten().map(|r| view! {
                <p class="mb-4 text-sm text-slate-700 dark:text-slate-300">{format!("Signed in as {} ({}).", r.name(), r.username)}</p>
            })}
        </Transition>
        <Show
            when=done
            fallback=move || view! {
                <ActionForm action=change attr:class="max-w-sm space-y-3" attr:data-testid="password-form">
                    <label class="block text-sm font-medium">"Current password (or the one-time password)"
                        <input name="current" type="password" autocomplete="current-password" required autofocus class=INPUT/>
                    </label>
                    <label class="block text-sm font-medium">"New password (12 characters or more)"
                        <input name="new" type="password" autocomplete="new-password" required minlength="12" class=INPUT/>
                    </label>
                    <label class="block text-sm font-medium">"New password again"
                        <input name="repeat" type="password" autocomplete="new-password" required minlength="12" class=INPUT/>
                    </label>
                    <button type="submit" class=BUTTON disabled=move || !hydrated.get() || change.pending().get()>"Replace password"</button>
                    <ActionError error=Signal::derive(move || failed(change.value().get()))/>
                </ActionForm>
            }
        >
            <p role="status" data-testid="password-changed" class="max-w-xl rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
                "Your password is replaced and your sessions have ended. "
                <a href="/login" rel="external" class="font-medium underline">"Sign in with the new password"</a>
            </p>
        </Show>
    }
}
