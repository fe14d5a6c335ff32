//! The HTML document, the app shell (header, navigation, theme) and the routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use crate::components::account::{AccountMenu, IfCan, Me};
use crate::components::theme::ThemeToggle;
use crate::pages::{
    BundlePage, EventsPage, HelpPage, IncidentPage, IncidentsPage, LoginPage, NotFound,
    PasswordPage, ReviewLogPage, SettingsPage, UsersPage, VerifyPage, WorkCount, WorkPage,
};
use model::Permission;

/// Applies the remembered (or the system's) theme before the first paint, so a dark
/// page never flashes white.
/// It also hides the incident list's first-run hint where the reviewer dismissed it
/// (`pages::incidents`, class `first-run-dismissed`).
const THEME_BOOT: &str = "try{var t=localStorage.getItem('custody-theme');\
if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))\
document.documentElement.classList.add('dark');\
if(localStorage.getItem('custody-first-run')==='dismissed')\
document.documentElement.classList.add('first-run-dismissed')}catch(e){}";

/// The whole HTML document the server sends.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script nonce=leptos::nonce::use_nonce()>{THEME_BOOT}</script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}

/// The application: shell and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me = Me::provide();
    let work = WorkCount::provide(me);
    view! {
        <Stylesheet id="leptos" href="/pkg/custody.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Custody".to_owned() } else { format!("{page} · Custody") }/>
        <Router>
            <a href="#main" rel="external" class="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-slate-900">
                "Skip to content"
            </a>
            <header class="border-b border-slate-200 bg-white/90 backdrop-blur dark:border-slate-800 dark:bg-slate-900/90">
                <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 sm:px-6">
                    <a href="/" class="flex items-center gap-2 font-semibold tracking-tight">
                        <img src="/favicon.svg" alt="" class="h-6 w-6"/>
                        <span class="text-lg">"Custody"</span>
                    </a>
                    <nav aria-label="Main" class="flex flex-1 flex-wrap items-center gap-1 text-sm">
                        <NavLink href="/" label="Incidents"/>
                        <IfCan what=Permission::Read>
                            <WorkLink work/>
                            <NavLink href="/events" label="Events"/>
                        </IfCan>
                        <NavLink href="/verify" label="Verify"/>
                        <NavLink href="/review-log" label="Review log"/>
                        <NavLink href="/settings" label="Settings"/>
                        <IfCan what=Permission::Administer>
                            <NavLink href="/users" label="Users"/>
                        </IfCan>
                        <NavLink href="/help" label="Help"/>
                    </nav>
                    <AccountMenu/>
                    <ThemeToggle/>
                </div>
            </header>
            <main id="main" tabindex="-1" class="mx-auto max-w-6xl px-4 py-8 focus:outline-none sm:px-6">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=IncidentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:id") view=IncidentPage ssr=SsrMode::Async/>
                    <Route path=path!("/bundles/:sha") view=BundlePage ssr=SsrMode::Async/>
                    <Route path=path!("/work") view=WorkPage ssr=SsrMode::Async/>
                    <Route path=path!("/events") view=EventsPage ssr=SsrMode::Async/>
                    <Route path=path!("/verify") view=VerifyPage/>
                    <Route path=path!("/help") view=HelpPage/>
                    <Route path=path!("/review-log") view=ReviewLogPage ssr=SsrMode::Async/>
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/password") view=PasswordPage/>
                </Routes>
            </main>
        </Router>
    }
}

/// "My work", with how many things await the reviewer.
#[component]
fn WorkLink(work: WorkCount) -> impl IntoView {
    view! {
        <A
            href="/work"
            exact=true
            attr:class=NAV_LINK
            attr:data-testid="nav-work"
        >
            "My work"
            {move || work.get().filter(|n| *n > 0).map(|n| view! {
                    <span class="ml-1.5 rounded-full bg-amber-200 px-1.5 py-0.5 text-xs font-semibold text-amber-950" data-testid="work-count">
                        {n.to_string()}<span class="sr-only">" awaiting you"</span>
                    </span>
                })}
        </A>
    }
}

const NAV_LINK: &str = "rounded-md px-2.5 py-1.5 font-medium text-slate-700 hover:bg-slate-100 hover:text-slate-900 aria-[current=page]:bg-slate-900 aria-[current=page]:text-white dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white dark:aria-[current=page]:bg-slate-100 dark:aria-[current=page]:text-slate-900";

#[component]
fn NavLink(href: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <A
            href=href
            exact=true
            attr:class=NAV_LINK
        >
            {label}
        </A>
    }
}
