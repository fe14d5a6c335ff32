use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Sign in: a plain form posted to the server, which sets the session cookie and
/// sends the reviewer on to where they were going.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_owned());
    // After a failure the user name is kept, and the password field has the focus.
    let user = move || query.read().get("user").unwrap_or_default();
    let has_user = move || !user().is_empty();
    let error = move || {
        query.read().get("error").map(|e| match e.as_str() {
            "locked" => "Too many failed sign-ins for this account: wait 15 minutes and try again.",
            _ => "Wrong user name or password.",
        })
    };
    view! {
        <Title text="Sign in"/>
        <div class="mx-auto mt-8 max-w-sm">
            <h1 class="text-2xl font-semibold tracking-tight">"Sign in to Custody"</h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Verifying a bundle file on the "<a href="/verify" class="underline">"Verify"</a>" page needs no account."
            </p>
            {move || error().map(|e| view! {
                <p role="alert" data-testid="login-error" class="mt-4 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">{e}</p>
            })}
            <form method="post" action="/login" class="mt-6 space-y-4">
                <input type="hidden" name="next" prop:value=next/>
                <label class="block text-sm font-medium">"User name"
                    <input name="username" autocomplete="username" required value=user autofocus=move || !has_user() class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-700 dark:bg-slate-900"/>
                </label>
                <label class="block text-sm font-medium">"Password"
                    <input name="password" type="password" autocomplete="current-password" required autofocus=has_user class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-700 dark:bg-slate-900"/>
                </label>
                <button type="submit" class="w-full rounded-md bg-slate-900 px-3 py-2 font-medium text-white dark:bg-slate-100 dark:text-slate-900">"Sign in"</button>
            </form>
        </div>
    }
}
