//! Server functions of the review: the signed-in reviewer, annotations and comments,
//! approval chains and their sign-off, the incident workflow and the review log.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::{db, invalid, log_key, refused, require, server_key};
use crate::error::ApiError;
#[cfg(feature = "ssr")]
use model::Permission;
use model::{
    Annotation, BundleChains, Comment, EventReview, IncidentStatus, LogIntegrity, LogPage,
    LogQuery, Responsibility, Reviewer, SideEffectResponsibility, Signoff, SignoffDecision,
};

/// A server function of the UI, documented in the OpenAPI document: POST, its
/// arguments as a form, `$body` as JSON when it succeeds.
macro_rules! ui_function {
    ($path:literal, $id:literal, $body:ty, $item:item) => {
        #[cfg_attr(feature = "ssr", utoipa::path(
            post,
            path = $path,
            operation_id = $id,
            tag = "ui",
            responses(
                (status = 200, description = "Done; the answer.", body = $body),
                (status = 400, description = "An argument cannot be used (`Invalid`, naming it).", body = ApiError),
                (status = 403, description = "The reviewer's role, or a rule such as separation \
                    of duties, forbids it (`Forbidden`, naming the rule).", body = ApiError),
                (status = 500, description = "The store failed (`Internal`; the details are in \
                    the server's log).", body = ApiError),
            )
        ))]
        $item
    };
}
pub(crate) use ui_function;

ui_function! { "/api/session/me", "ui_current_reviewer", Option<Reviewer>,
/// The signed-in reviewer (null when signed out).
#[server(endpoint = "session/me")]
pub async fn current_reviewer() -> Result<Option<Reviewer>, ApiError> {
    Ok(use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<store::sessions::Session>().cloned())
        .map(|s| s.reviewer))
}
}

ui_function! { "/api/events/review", "ui_event_review", EventReview,
/// The annotations (newest first) and comments on one event.
#[server(endpoint = "events/review")]
pub async fn fetch_event_review(sha256: String, index: u64) -> Result<EventReview, ApiError> {
    require(Permission::Read)?;
    Ok(store::annotations::of_event(&db()?, &sha256, index).await?)
}
}

#[cfg(feature = "ssr")]
fn note_error(e: store::annotations::NoteError) -> ApiError {
    use store::annotations::NoteError;
    match e {
        NoteError::NoEvent(..) | NoteError::Invalid(_) => invalid(e.to_string()),
        NoteError::Store(e) => e.into(),
    }
}

ui_function! { "/api/events/annotate", "ui_annotate_event", Annotation,
/// Records who is responsible for an event; it supersedes the event's current annotation.
#[server(endpoint = "events/annotate")]
pub async fn annotate_event(
    sha256: String,
    index: u64,
    responsibility: Responsibility,
    rationale: String,
    tags: String,
) -> Result<Annotation, ApiError> {
    let reviewer = require(Permission::Annotate)?;
    let note = store::annotations::NewAnnotation {
        responsibility,
        rationale,
        tags: tags.split(',').map(str::to_owned).collect(),
    };
    store::annotations::annotate(&db()?, &server_key()?, &reviewer, &sha256, index, note)
        .await
        .map_err(note_error)
}
}

ui_function! { "/api/events/comment", "ui_comment_event", Comment,
/// Adds a comment to an event.
#[server(endpoint = "events/comment")]
pub async fn comment_event(sha256: String, index: u64, body: String) -> Result<Comment, ApiError> {
    let reviewer = require(Permission::Annotate)?;
    store::annotations::comment(&db()?, &server_key()?, &reviewer, &sha256, index, &body)
        .await
        .map_err(note_error)
}
}

ui_function! { "/api/incidents/side-effects", "ui_incident_side_effects", Vec<SideEffectResponsibility>,
/// Per side effect of an incident: who intended, who executed, what changed, and the current annotation.
#[server(endpoint = "incidents/side-effects")]
pub async fn incident_side_effects(id: i64) -> Result<Vec<SideEffectResponsibility>, ApiError> {
    require(Permission::Read)?;
    Ok(store::findings::side_effects_of_incident(&db()?, id).await?)
}
}

ui_function! { "/api/bundles/chains", "ui_bundle_chains", Option<BundleChains>,
/// A bundle's approval chains with their sign-offs (null: no such bundle), for the signed-in reviewer (`viewer`), whom the sign-off rule is applied to.
#[server(endpoint = "bundles/chains")]
pub async fn fetch_bundle_chains(sha256: String) -> Result<Option<BundleChains>, ApiError> {
    let viewer = require(Permission::Read)?;
    let found = store::signoffs::of_bundle(&db()?, &sha256).await?;
    Ok(found.map(|chains| BundleChains {
        viewer: Some(viewer),
        ..chains
    }))
}
}

ui_function! { "/api/bundles/sign-off", "ui_sign_off_chain", Signoff,
/// Approves, rejects, flags or reassigns one step of an approval chain.
#[server(endpoint = "bundles/sign-off")]
pub async fn sign_off_chain(
    sha256: String,
    chain: String,
    chain_digest: String,
    decision: SignoffDecision,
    justification: String,
    #[server(default)] reassign_to: Option<String>,
) -> Result<Signoff, ApiError> {
    use store::signoffs::{sign_off, NewSignoff, SignoffError};
    let reviewer = require(Permission::SignOff)?;
    let new = NewSignoff {
        chain,
        chain_digest,
        decision,
        justification,
        reassign_to,
    };
    sign_off(&db()?, &server_key()?, &reviewer, &sha256, new)
        .await
        .map_err(|e| match e {
            SignoffError::NotFound(m) | SignoffError::Invalid(m) => invalid(m),
            SignoffError::Refused(m) => refused(m),
            SignoffError::Store(e) => e.into(),
        })
}
}

#[cfg(feature = "ssr")]
fn workflow_error(e: store::incidents::WorkflowError) -> ApiError {
    use store::incidents::WorkflowError;
    match e {
        WorkflowError::NoIncident(_) | WorkflowError::NoAssignee(_) => invalid(e.to_string()),
        WorkflowError::Refused(why) => invalid(why),
        WorkflowError::Store(e) => e.into(),
    }
}

ui_function! { "/api/incidents/status", "ui_set_incident_status", (),
/// Moves an incident to another status.
#[server(endpoint = "incidents/status")]
pub async fn set_incident_status(id: i64, status: IncidentStatus) -> Result<(), ApiError> {
    let reviewer = require(Permission::Workflow)?;
    store::incidents::set_status(&db()?, &server_key()?, &reviewer, id, status)
        .await
        .map_err(workflow_error)
}
}

ui_function! { "/api/incidents/assign", "ui_assign_incident", (),
/// Assigns an incident to a reviewer (empty: to no one).
#[server(endpoint = "incidents/assign")]
pub async fn assign_incident(id: i64, assignee: String) -> Result<(), ApiError> {
    let reviewer = require(Permission::Workflow)?;
    let assignee = Some(assignee.as_str()).filter(|a| !a.trim().is_empty());
    store::incidents::assign(&db()?, &server_key()?, &reviewer, id, assignee)
        .await
        .map_err(workflow_error)
}
}

ui_function! { "/api/reviewers", "ui_reviewers", Vec<Reviewer>,
/// The enabled accounts, to assign incidents and reassign chains to.
#[server(endpoint = "reviewers")]
pub async fn reviewers() -> Result<Vec<Reviewer>, ApiError> {
    require(Permission::Read)?;
    Ok(store::users::list(&db()?)
        .await?
        .into_iter()
        .filter(|a| a.disabled_at.is_none())
        .map(|a| Reviewer {
            username: a.username,
            display_name: a.display_name,
            role: a.role,
        })
        .collect())
}
}

ui_function! { "/api/review-log/list", "ui_review_log", LogPage,
/// A page of the review log, newest first, filtered.
#[server(endpoint = "review-log/list")]
pub async fn review_log(query: LogQuery) -> Result<LogPage, ApiError> {
    require(Permission::Read)?;
    Ok(store::review_log::list(&db()?, &query).await?)
}
}

ui_function! { "/api/review-log/integrity", "ui_review_log_integrity", LogIntegrity,
/// Checks every entry of the review log and the records it covers.
#[server(endpoint = "review-log/integrity")]
pub async fn review_log_integrity() -> Result<LogIntegrity, ApiError> {
    require(Permission::Read)?;
    Ok(store::log_check::check(&db()?, &server_key()?).await?)
}
}

ui_function! { "/api/anchoring", "ui_anchoring", model::Anchoring,
/// What vouches for a stored bundle, or for the review log, outside the organisation.
///
/// For the bundle `sha256` (or the review log without it): its time stamps and its
/// place in this server's transparency log, as the witness policy's witnesses
/// cosigned it.
#[server(endpoint = "anchoring")]
pub async fn fetch_anchoring(sha256: Option<String>) -> Result<model::Anchoring, ApiError> {
    use store::tlog::CheckpointRefusal;
    require(Permission::Read)?;
    let (db, log) = (db()?, log_key()?);
    let refusal = |e: CheckpointRefusal| match e {
        CheckpointRefusal::Store(e) => ApiError::from(e),
        diverged => invalid(diverged.to_string()),
    };
    match sha256 {
        Some(sha) => store::tlog::bundle_anchoring(&db, &log, &sha)
            .await
            .map_err(refusal)?
            .ok_or_else(|| invalid(format!("no bundle {sha} is stored"))),
        None => store::tlog::review_log_anchoring(&db, &log)
            .await
            .map_err(refusal),
    }
}
}
