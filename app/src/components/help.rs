//! Links into the help page (`/help`): one anchor per verdict, reason code, finding
//! rule and role, made here and nowhere else, so the page's ids and every link to
//! them cannot disagree.

use evidence::bundle::Status;
use evidence::findings::Rule;
use leptos::prelude::*;

use model::Role;

/// The help page's address.
pub const HELP: &str = "/help";

/// The id of a verdict's entry (`verdict-tampered`).
pub fn verdict_id(status: Status) -> String {
    format!("verdict-{}", status.code())
}

/// The id of a reason code's entry (`reason-signature.invalid`).
pub fn reason_id(reason: &evidence::reason::Reason) -> String {
    format!("reason-{}", reason.code)
}

/// The id of a finding rule's entry (`finding-approval-late`).
pub fn finding_id(rule: Rule) -> String {
    format!("finding-{}", rule.code())
}

/// The id of a role's entry (`role-auditor`).
pub fn role_id(role: Role) -> String {
    format!("role-{}", role.as_str())
}

/// The link to an entry of the help page with id `id`.
pub fn href(id: &str) -> String {
    format!("{HELP}#{id}")
}

const CODE_LINK: &str =
    "font-mono underline decoration-dotted underline-offset-2 hover:decoration-solid";

/// A reason code as the verifier gave it, linked to its explanation. A code the
/// verifier does not give (none should reach here) is shown as text, unlinked.
#[component]
pub fn ReasonCode(
    #[prop(into)] code: String,
    /// Extra classes for the code (colour, size).
    #[prop(optional)]
    class: &'static str,
) -> impl IntoView {
    match evidence::reason::find(&code) {
        Some(reason) => view! {
            <a href=href(&reason_id(reason)) class=format!("{CODE_LINK} {class}") title=reason.meaning data-reason-code=reason.code>
                <code>{reason.code}</code>
            </a>
        }
        .into_any(),
        None => view! { <code class=format!("font-mono {class}")>{code}</code> }.into_any(),
    }
}

/// Reason codes side by side, each linked, separated by `separator`.
#[component]
pub fn ReasonCodes(
    codes: Vec<String>,
    #[prop(optional)] class: &'static str,
    separator: &'static str,
) -> impl IntoView {
    let last = codes.len().saturating_sub(1);
    codes
        .into_iter()
        .enumerate()
        .map(|(i, code)| {
            view! {
                <ReasonCode code class/>
                {(i < last).then_some(separator)}
            }
        })
        .collect_view()
}

/// A finding rule's code, linked to what the rule means. `code` is the rule's code
/// as the findings carry it; one that names no rule is shown as text.
#[component]
pub fn RuleCode(#[prop(into)] code: String) -> impl IntoView {
    match Rule::from_code(&code) {
        Some(rule) => view! {
            <a href=href(&finding_id(rule)) class=format!("{CODE_LINK} text-xs text-slate-500 dark:text-slate-400") title=rule.explanation() data-testid="finding-rule-help">
                <code>{rule.code()}</code>
            </a>
        }
        .into_any(),
        None => view! { <code class="text-xs text-slate-500">{code}</code> }.into_any(),
    }
}
