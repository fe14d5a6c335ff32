//! A bundle's approval chains (request → approval → execution → side effect) and
//! their sign-off by access reviewers.

use leptos::prelude::*;

use crate::api::{fetch_bundle_chains, reviewers, SignOffChain};
use crate::components::forms::{failed, ActionError, INPUT};
use crate::components::verdict::{Badge, Tone};
use model::{ApprovalChain, CannotSign, ChainStatus, Role, SignoffDecision};

/// The approval chains of bundle `sha`.
#[component]
pub fn Chains(sha: String) -> impl IntoView {
    let action = ServerAction::<SignOffChain>::new();
    // Loaded with the chains, not inside each form: resources made while a suspended
    // view renders can be read back in another order when the page hydrates.
    let others = Resource::new(|| (), |_| reviewers());
    let chains = Resource::new(move || action.version().get(), {
        let sha = sha.clone();
        move |_| fetch_bundle_chains(sha.clone())
    });
    // The chains come with the reviewer they were read for: the forms depend on
    // nothing else, so the server and the hydrating browser draw the same ones.
    let body = move || {
        let sha = sha.clone();
        chains.get().map(|c| match c {
            Err(e) => view! { <p class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
            Ok(None) => ().into_any(),
            Ok(Some(found)) if found.chains.is_empty() => view! {
                <p class="text-sm text-slate-500">"No approval chains: no event in this bundle rests on a human approval."</p>
            }.into_any(),
            Ok(Some(found)) => view! {
                {found.blocked.clone().map(|why| view! {
                    <p role="alert" data-testid="signoff-blocked" class="mb-3 rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">{why}</p>
                })}
                {found.uploaded_by.clone().map(|u| view! {
                    <p class="mb-2 text-xs text-slate-500">{format!("Uploaded by {u}, who cannot sign off its chains.")}</p>
                })}
                <ul class="space-y-4">
                    {found.chains.iter().map(|chain| {
                        let mine = found.viewer.as_ref().map(|who| (
                            found.open_decisions(chain, who),
                            found.refusal(chain, who, SignoffDecision::Approve),
                        ));
                        let viewer = found.viewer.as_ref().map(|v| v.username.clone());
                        view! { <li><ChainCard sha=sha.clone() chain=chain.clone() mine viewer action others/></li> }
                    }).collect_view()}
                </ul>
            }.into_any(),
        })
    };
    view! {
        <section class="mt-8" aria-labelledby="chains-title" data-testid="chains">
            <h2 id="chains-title" class="mb-2 text-lg font-semibold">"Approval chains"</h2>
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>{body}</Transition>
        </section>
    }
    .into_any()
}

#[component]
fn ChainCard(
    sha: String,
    chain: ApprovalChain,
    /// For the signed-in reviewer: the decisions they may record, and why they may
    /// not approve (when they may not).
    mine: Option<(Vec<SignoffDecision>, Option<CannotSign>)>,
    /// The signed-in reviewer's account name.
    viewer: Option<String>,
    action: ServerAction<SignOffChain>,
    others: Resource<Result<Vec<model::Reviewer>, crate::error::ApiError>>,
) -> impl IntoView {
    let (tone, label) = match chain.status {
        ChainStatus::Pending => (Tone::Warn, "awaiting sign-off"),
        ChainStatus::Approved => (Tone::Good, "signed off"),
        ChainStatus::Rejected => (Tone::Bad, "rejected"),
    };
    let filled = chain
        .signoffs
        .iter()
        .filter(|s| s.decision.fills_step())
        .count();
    let sha_links = chain.links.clone();
    let status = format!("{:?}", chain.status).to_lowercase();
    let chain_id = chain.approval_id.clone();
    let form_chain = chain.clone();
    view! {
        <article class="rounded-lg border border-slate-200 p-4 dark:border-slate-800" data-testid="chain" data-chain=chain_id data-status=status>
            <div class="flex flex-wrap items-center gap-2">
                <h3 class="font-semibold">{format!("Approval {}", chain.approval_id)}</h3>
                <Badge tone text=label/>
                <span class="text-sm text-slate-500">{format!("{filled} of {} step{} filled", chain.steps, if chain.steps == 1 { "" } else { "s" })}</span>
            </div>
            {chain.decided.clone().map(|d| view! { <p class="text-sm">{d}</p> })}
            <ol class="mt-2 space-y-0.5 text-sm">
                {sha_links.into_iter().map(|l| view! {
                    <li>
                        <a href=format!("?event={}", l.index) class="font-mono text-xs underline">{format!("#{}", l.index)}</a>
                        <span class="ml-2 text-slate-500">{l.kind.clone()}</span>
                        <span class="ml-2">{model::text::visible(&l.summary)}</span>
                    </li>
                }).collect_view()}
            </ol>
            <p class="mt-1 break-all font-mono text-xs text-slate-500" title="SHA-256 over the chain's event digests: what a sign-off binds">{format!("chain digest {}", chain.digest)}</p>
            {(!chain.signoffs.is_empty()).then(|| view! {
                <ul class="mt-2 space-y-1 text-sm" data-testid="signoffs">
                    {chain.signoffs.iter().map(|s| view! {
                        <li>
                            <span class="font-medium">{format!("Step {}: {}", s.step, s.decision.as_str())}</span>
                            <span class="text-slate-500">{format!(" by {} at {}{}", s.reviewer, s.created_at, s.reassigned_to.as_ref().map(|t| format!(", to {t}")).unwrap_or_default())}</span>
                            <p class="whitespace-pre-wrap break-words">{s.justification.clone()}</p>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {mine.map(|(decisions, why_not)| {
                let note = why_not
                    .filter(|w| !matches!(w, CannotSign::NotAccessReviewer | CannotSign::Unverified | CannotSign::Closed))
                    .map(|w| view! { <p class="mt-2 text-sm text-slate-600 dark:text-slate-300" data-testid="cannot-sign">{format!("You cannot approve or reject: {}.", w.reason())}</p> });
                let form = (!decisions.is_empty()).then(|| view! {
                    <SignOffForm sha=sha.clone() chain=form_chain.clone() decisions action others me=viewer.clone()/>
                });
                view! { {note} {form} }
            })}
        </article>
    }
    .into_any()
}

/// The sign-off form for `chain`, offering only `decisions` (those the signed-in
/// reviewer may record).
#[component]
pub fn SignOffForm(
    sha: String,
    chain: ApprovalChain,
    decisions: Vec<SignoffDecision>,
    action: ServerAction<SignOffChain>,
    others: Resource<Result<Vec<model::Reviewer>, crate::error::ApiError>>,
    me: Option<String>,
) -> impl IntoView {
    view! {
        <ActionForm action attr:class="mt-3 grid grid-cols-1 gap-2 sm:grid-cols-2" attr:data-testid="signoff-form">
            <input type="hidden" name="sha256" value=sha/>
            <input type="hidden" name="chain" value=chain.approval_id.clone()/>
            <input type="hidden" name="chain_digest" value=chain.digest.clone()/>
            <label class="block text-sm">"Decision"
                <select name="decision" class=INPUT>
                    {decisions.into_iter().map(|d| view! { <option value=d.as_str()>{d.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <Transition fallback=|| ()>
                {let me = me.clone(); move || {
                    // Options are built before the select, never as reactive nodes inside it.
                    // One list, the empty choice first: a static node beside a list would
                    // need a marker node, which a browser's parser drops inside a select.
                    let options: Vec<(String, String)> = std::iter::once((String::new(), "—".to_owned()))
                        .chain(others.get().and_then(Result::ok).unwrap_or_default()
                            .into_iter()
                            .filter(|r| r.role == Role::AccessReviewer && Some(&r.username) != me.as_ref())
                            .map(|r| (r.username.clone(), r.name().to_owned())))
                        .collect();
                    view! {
                        <label class="block text-sm">"Reassign to (for reassign)"
                            <select name="reassign_to" class=INPUT>
                                {options.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect_view()}
                            </select>
                        </label>
                    }
                }}
            </Transition>
            <label class="block text-sm sm:col-span-2">"Justification"
                <textarea name="justification" required rows="2" class=INPUT></textarea>
            </label>
            // A signature is confirmed first: the browser will not send the form unchecked.
            <label class="flex items-start gap-2 text-sm sm:col-span-2">
                <input type="checkbox" required class="mt-1" data-testid="signoff-confirm"/>
                "I sign this in my name: the signature goes into the signed review log and cannot be withdrawn."
            </label>
            <div class="sm:col-span-2">
                <button type="submit" class="rounded-md bg-slate-900 px-3 py-1 text-sm font-medium text-white disabled:opacity-50 dark:bg-slate-100 dark:text-slate-900" disabled=move || action.pending().get()>"Sign"</button>
                <ActionError error=Signal::derive(move || failed(action.value().get()))/>
            </div>
        </ActionForm>
    }
    .into_any()
}
