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
