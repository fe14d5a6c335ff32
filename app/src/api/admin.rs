//! Server functions of administration: accounts, trust roots, settings, re-verification.

use leptos::prelude::*;

use super::review::ui_function;
#[cfg(feature = "ssr")]
use super::{db, invalid, require, server_key};
use crate::error::ApiError;
#[cfg(feature = "ssr")]
use model::Permission;
use model::{
    Account, CollectorStatus, MachineToken, NewMachineToken, OneTimePassword, Reverified,
    ReviewSettings, Role,
};

#[cfg(feature = "ssr")]
fn account_error(e: store::users::AccountError) -> ApiError {
    use store::users::AccountError;
    match e {
        AccountError::Store(e) => e.into(),
        AccountError::Hash(_) => ApiError::Internal,
        other => invalid(other.to_string()),
    }
}

ui_function! { "/api/users/list", "ui_list_accounts", Vec<Account>,
/// Every account.
#[server(endpoint = "users/list")]
pub async fn list_accounts() -> Result<Vec<Account>, ApiError> {
    require(Permission::Administer)?;
    Ok(store::users::list(&db()?).await?)
}
}

ui_function! { "/api/users/add", "ui_add_account", Account,
/// Makes an account.
#[server(endpoint = "users/add")]
pub async fn add_account(
    username: String,
    display_name: String,
    role: Role,
    password: String,
) -> Result<Account, ApiError> {
    use store::review_log::Actor;
    let admin = require(Permission::Administer)?;
    store::users::add(
        &db()?,
        &server_key()?,
        Actor::Reviewer(&admin),
        username.trim(),
        &display_name,
        role,
        &password,
    )
    .await
    .map_err(account_error)
}
}

ui_function! { "/api/users/change", "ui_change_account", (),
/// Changes an account's role, or disables or enables it; in force from its next request.
#[server(endpoint = "users/change")]
pub async fn change_account(
    username: String,
    #[server(default)] role: Option<Role>,
    #[server(default)] disabled: Option<bool>,
) -> Result<(), ApiError> {
    use store::review_log::Actor;
    let admin = require(Permission::Administer)?;
    if username == admin.username {
        return Err(invalid("an admin cannot change their own role or disable themselves".into()));
    }
    let (db, key) = (db()?, server_key()?);
    if let Some(role) = role {
        store::users::set_role(&db, &key, Actor::Reviewer(&admin), &username, role)
            .await
            .map_err(account_error)?;
    }
    if let Some(disabled) = disabled {
        store::users::set_disabled(&db, &key, Actor::Reviewer(&admin), &username, disabled)
            .await
            .map_err(account_error)?;
    }
    Ok(())
}
}

ui_function! { "/api/users/reset-password", "ui_reset_password", OneTimePassword,
/// Replaces an account's password with a one-time password, answered once and never stored in clear; the account must replace it at its next sign-in, and its sessions end.
#[server(endpoint = "users/reset-password")]
pub async fn reset_password(username: String) -> Result<OneTimePassword, ApiError> {
    use store::review_log::Actor;
    let admin = require(Permission::Administer)?;
    if username == admin.username {
        return Err(invalid("change your own password on the Password page".into()));
    }
    let password = store::users::reset_password(&db()?, &server_key()?, Actor::Reviewer(&admin), &username)
        .await
        .map_err(account_error)?;
    Ok(OneTimePassword { username, password })
}
}

ui_function! { "/api/account/password", "ui_change_password", (),
/// Replaces the signed-in reviewer's own password, given the current one (a one-time password included); every session of the account ends, this one too.
#[server(endpoint = "account/password")]
pub async fn change_password(current: String, new: String, repeat: String) -> Result<(), ApiError> {
    let who = require(Permission::Read)?;
    if new != repeat {
        return Err(invalid("the two new passwords differ".into()));
    }
    store::users::change_own_password(&db()?, &server_key()?, &who, &current, &new)
        .await
        .map_err(account_error)
}
}

ui_function! { "/api/tokens/list", "ui_list_tokens", Vec<MachineToken>,
/// Every machine token, newest first (never a secret).
#[server(endpoint = "tokens/list")]
pub async fn list_tokens() -> Result<Vec<MachineToken>, ApiError> {
    require(Permission::Administer)?;
    Ok(store::tokens::list(&db()?).await?)
}
}

ui_function! { "/api/tokens/create", "ui_create_token", NewMachineToken,
/// Makes a machine token that may only send evidence (into one incident when `incident` is given) for `days` days; its secret is answered once and stored only as its SHA-256.
#[server(endpoint = "tokens/create")]
pub async fn create_token(
    name: String,
    #[server(default)] incident: Option<String>,
    days: u32,
) -> Result<NewMachineToken, ApiError> {
    use store::review_log::Actor;
    use store::tokens::TokenError;
    let admin = require(Permission::Administer)?;
    let incident = match incident.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        None => None,
        Some(text) => Some(
            text.trim_start_matches('#')
                .parse::<i64>()
                .map_err(|_| invalid(format!("{text} is not an incident number")))?,
        ),
    };
    store::tokens::create(&db()?, &server_key()?, Actor::Reviewer(&admin), name.trim(), incident, days)
        .await
        .map_err(|e| match e {
            TokenError::Store(e) => e.into(),
            other => invalid(other.to_string()),
        })
}
}

ui_function! { "/api/tokens/revoke", "ui_revoke_token", bool,
/// Revokes a machine token at once; true when it was in use.
#[server(endpoint = "tokens/revoke")]
pub async fn revoke_token(name: String) -> Result<bool, ApiError> {
    use store::review_log::Actor;
    let admin = require(Permission::Administer)?;
    Ok(store::tokens::revoke(&db()?, &server_key()?, Actor::Reviewer(&admin), name.trim()).await?)
}
}

#[cfg(feature = "ssr")]
fn collector() -> Result<store::collector::Collector, ApiError> {
    use_context::<store::collector::Collector>().ok_or_else(|| {
        tracing::error!("no collector in the server function's context");
        ApiError::Internal
    })
}

ui_function! { "/api/collector/status", "ui_fetch_collector", CollectorStatus,
/// The collector that signs received traces: its ID, public key, and whether a binding signed by a trusted root certifies it now.
#[server(endpoint = "collector/status")]
pub async fn fetch_collector() -> Result<CollectorStatus, ApiError> {
    require(Permission::Read)?;
    Ok(collector()?.status(&db()?).await?)
}
}

ui_function! { "/api/collector/certify", "ui_certify_collector", CollectorStatus,
/// Certifies the collector's key with a binding (a DSSE envelope, as `custody trust` prints) signed by a trusted root; refused, storing nothing, when it does not certify the key now.
#[server(endpoint = "collector/certify")]
pub async fn certify_collector(binding: String) -> Result<CollectorStatus, ApiError> {
    use store::collector::CertifyError;
    use store::review_log::Actor;
    let admin = require(Permission::Administer)?;
    collector()?
        .certify(&db()?, &server_key()?, Actor::Reviewer(&admin), &binding)
        .await
        .map_err(|e| match e {
            CertifyError::Store(e) => e.into(),
            other => invalid(other.to_string()),
        })
}
}

ui_function! { "/api/trust-roots/add", "ui_add_trust_root", bool,
/// Trusts a root public key (hex, base64 or PEM); true when it was new.
#[server(endpoint = "trust-roots/add")]
pub async fn add_trust_root(key: String, label: String) -> Result<bool, ApiError> {
    use store::review_log::Actor;
    let admin = require(Permission::Administer)?;
    let public = evidence::keys::PublicKey::from_text(key.trim())
        .map_err(|e| invalid(format!("not an ed25519 public key: {e}")))?;
    let label = store::trust_roots::clean_label(&label).map_err(invalid)?;
    Ok(store::trust_roots::add(
        &db()?,
        &server_key()?,
        Actor::Reviewer(&admin),
        &public,
        label,
    )
    .await?)
}
}

ui_function! { "/api/trust-roots/remove", "ui_remove_trust_root", bool,
/// Stops trusting a root (by hex key or keyid); true when one was removed.
#[server(endpoint = "trust-roots/remove")]
pub async fn remove_trust_root(key: String) -> Result<bool, ApiError> {
    use store::review_log::Actor;
    let admin = require(Permission::Administer)?;
    Ok(store::trust_roots::remove(&db()?, &server_key()?, Actor::Reviewer(&admin), key.trim()).await?)
}
}

ui_function! { "/api/settings/review", "ui_review_settings", ReviewSettings,
/// The review settings.
#[server(endpoint = "settings/review")]
pub async fn fetch_review_settings() -> Result<ReviewSettings, ApiError> {
    require(Permission::Read)?;
    Ok(ReviewSettings {
        signoff_steps: store::signoffs::steps(&db()?).await?,
    })
}
}

ui_function! { "/api/settings/signoff-steps", "ui_set_signoff_steps", (),
/// Sets how many approving sign-off steps each approval chain needs.
#[server(endpoint = "settings/signoff-steps")]
pub async fn set_signoff_steps(steps: u32) -> Result<(), ApiError> {
    use store::signoffs::SignoffError;
    let admin = require(Permission::Administer)?;
    store::signoffs::set_steps(&db()?, &server_key()?, &admin, steps)
        .await
        .map_err(|e| match e {
            SignoffError::Store(e) => e.into(),
            other => invalid(other.to_string()),
        })
}
}

ui_function! { "/api/bundles/reverify", "ui_reverify_bundles", Vec<Reverified>,
/// Re-reads every stored bundle against what the review log says of its upload: its address, its verdict with the roots it was verified with, its transcript and every row read from it.
#[server(endpoint = "bundles/reverify")]
pub async fn reverify_bundles() -> Result<Vec<Reverified>, ApiError> {
    use store::review_log::{record, Actor, Entry};
    let admin = require(Permission::Administer)?;
    let db = db()?;
    let options = use_context::<store::IngestOptions>().unwrap_or_default();
    let key = server_key()?;
    let results = store::reverify::reverify(&db, &key, options).await?;
    let mismatched = results.iter().filter(|r| !r.ok).count();
    record(
        &db,
        &key,
        Entry {
            actor: Actor::Reviewer(&admin),
            action: "reverify",
            incident: None,
            bundle: None,
            event: None,
            summary: format!(
                "re-verified {} bundles; {mismatched} differ from what was stored",
                results.len()
            ),
            details: serde_json::json!({ "bundles": results.len(), "mismatched": mismatched }),
        },
    )
    .await?;
    Ok(results)
}
}
