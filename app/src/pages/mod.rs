//! One module per page.

mod bundle;
mod events;
mod help;
mod incident;
mod incidents;
mod login;
mod not_found;
mod password;
mod review_log;
mod settings;
mod users;
mod verify;
mod work;

pub use bundle::BundlePage;
pub use events::EventsPage;
pub use help::HelpPage;
pub use incident::IncidentPage;
pub use incidents::IncidentsPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use password::PasswordPage;
pub use review_log::ReviewLogPage;
pub use settings::SettingsPage;
pub use users::UsersPage;
pub use verify::VerifyPage;
pub use work::{WorkCount, WorkPage};

use leptos::prelude::*;

/// A page's heading and one-line purpose.
#[component]
pub(crate) fn PageHeader(title: &'static str, #[prop(into)] lead: String) -> impl IntoView {
    view! {
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
            <p class="mt-1 max-w-3xl text-slate-600 dark:text-slate-400">{lead}</p>
        </div>
    }
}

/// A server function's error, said plainly.
#[component]
pub(crate) fn ErrorBox(error: crate::error::ApiError) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-lg border border-red-300 bg-red-50 p-4 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
            {error.to_string()}
        </div>
    }
}
