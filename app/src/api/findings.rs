//! Server functions of attribution-gap findings: a bundle's or an incident's
//! findings, a reviewer's disposition of one, and the organisation's finding policy.

use leptos::prelude::*;

use super::review::ui_function;
#[cfg(feature = "ssr")]
use super::{db, invalid, require, server_key};
use crate::error::ApiError;
#[cfg(feature = "ssr")]
use model::Permission;
#[cfg(feature = "ssr")]
use model::Responsibility;
use model::{Counterpart, DispositionDecision, FindingPolicy, FindingView, Findings};

#[cfg(feature = "ssr")]
fn options() -> store::IngestOptions {
    use_context::<store::IngestOptions>().unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn finding_error(e: store::findings::FindingError) -> ApiError {
    use store::findings::FindingError;
    match e {
        FindingError::NotFound(why) | FindingError::Invalid(why) => invalid(why),
        FindingError::Store(e) => e.into(),
    }
}

ui_function! { "/api/bundles/findings", "ui_bundle_findings", Option<Findings>,
/// The attribution-gap findings of a stored bundle.
///
/// Most severe first, with the events behind each, the framework controls and the
/// reviewers' dispositions; null without such a bundle.
#[server(endpoint = "bundles/findings")]
pub async fn fetch_bundle_findings(sha256: String) -> Result<Option<Findings>, ApiError> {
    require(Permission::Read)?;
    Ok(store::findings::of_bundle(&db()?, &sha256, options()).await?)
}
}

ui_function! { "/api/bundles/reconciliation", "ui_bundle_reconciliation", Vec<Counterpart>,
/// How a stored bundle's calls reconcile with the other side of its incident (signed bundles, or a collector's traces): each call matched with the call that records the same act, or named as missing from the other side's bundles that cover its time.
#[server(endpoint = "bundles/reconciliation")]
pub async fn fetch_reconciliation(sha256: String) -> Result<Vec<Counterpart>, ApiError> {
    require(Permission::Read)?;
    Ok(store::findings::counterparts(&db()?, &sha256, options()).await?)
}
}

ui_function! { "/api/incidents/findings", "ui_incident_findings", Findings,
/// The attribution-gap findings of every bundle of an incident, most severe first.
#[server(endpoint = "incidents/findings")]
pub async fn fetch_incident_findings(incident: i64) -> Result<Findings, ApiError> {
    require(Permission::Read)?;
    Ok(store::findings::of_incident(&db()?, incident, options()).await?)
}
}

ui_function! { "/api/findings/dispose", "ui_dispose_finding", FindingView,
/// Accepts, dismisses or annotates a finding.
///
/// `annotated` turns it into a responsibility annotation on its first event
/// (`responsibility` required then, by its stored name); `reason` is always required.
/// Recorded in the review log.
#[server(endpoint = "findings/dispose")]
pub async fn dispose_finding(
    sha256: String,
    finding: String,
    decision: DispositionDecision,
    reason: String,
    #[server(default)] responsibility: String,
) -> Result<FindingView, ApiError> {
    let reviewer = require(Permission::Annotate)?;
    let responsibility = match responsibility.trim() {
        "" => None,
        name => Some(Responsibility::parse(name).ok_or_else(|| {
            invalid(format!("responsibility: no such value {name:?}"))
        })?),
    };
    let new = store::findings::NewDisposition {
        finding,
        decision,
        reason,
        responsibility,
    };
    store::findings::dispose(&db()?, &server_key()?, &reviewer, &sha256, new, options())
        .await
        .map_err(finding_error)
}
}

ui_function! { "/api/settings/findings", "ui_finding_policy", FindingPolicy,
/// The organisation's finding policy.
#[server(endpoint = "settings/findings")]
pub async fn fetch_finding_policy() -> Result<FindingPolicy, ApiError> {
    require(Permission::Read)?;
    Ok(store::findings::policy(&db()?).await?.into())
}
}

ui_function! { "/api/settings/findings/set", "ui_set_finding_policy", FindingPolicy,
/// Sets the finding policy.
///
/// Shared accounts and approval-required resources, one pattern per line (`*`
/// matches any run of characters), and the clock skew allowed.
#[server(endpoint = "settings/findings/set")]
pub async fn set_finding_policy(
    shared_accounts: String,
    approval_required: String,
    clock_skew_seconds: u32,
) -> Result<FindingPolicy, ApiError> {
    let admin = require(Permission::Administer)?;
    let lines = |text: &str| text.lines().map(str::to_owned).collect::<Vec<_>>();
    let policy = FindingPolicy {
        shared_accounts: lines(&shared_accounts),
        approval_required: lines(&approval_required),
        clock_skew_seconds,
    };
    store::findings::set_policy(&db()?, &server_key()?, &admin, policy)
        .await
        .map_err(finding_error)
}
}
