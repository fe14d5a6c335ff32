//! What reviewers recorded on one event: who is responsible (the current judgement
//! and its history) and comments, with the forms to add to them.

use leptos::prelude::*;

use super::page::ErrorBox;
use crate::api::{fetch_event_review, incident_side_effects, AnnotateEvent, CommentEvent};
use crate::components::account::IfCan;
use model::{Annotation, Permission, Responsibility};

use crate::components::forms::{failed, ActionError, Saved, BUTTON, INPUT};

fn judgement(a: &Annotation) -> impl IntoView {
    let tags = (!a.tags.is_empty()).then(|| {
        a.tags
            .iter()
            .map(|t| view! { <span class="mr-1 rounded bg-slate-100 px-1 text-xs dark:bg-slate-800">{t.clone()}</span> })
            .collect_view()
    });
    view! {
        <div class="text-sm">
            <span class="font-medium">{a.responsibility.label()}</span>
            <span class="text-slate-500">{format!(" — {} at {}", a.author, a.created_at)}</span>
            <p class="whitespace-pre-wrap break-words">{model::text::visible(&a.rationale)}</p>
            {tags}
        </div>
    }
}

/// Responsibility and comments for event `index` of bundle `bundle`.
#[component]
pub fn EventNotes(bundle: String, index: u64) -> impl IntoView {
    let annotate = ServerAction::<AnnotateEvent>::new();
    let comment = ServerAction::<CommentEvent>::new();
    let review = Resource::new(
        move || (annotate.version().get(), comment.version().get()),
        {
            let bundle = bundle.clone();
            move |_| fetch_event_review(bundle.clone(), index)
        },
    );
    let shown = move || {
        review.get().map(|r| match r {
            Err(e) => view! { <p class="text-sm text-red-700">{e.to_string()}</p> }.into_any(),
            Ok(r) => {
                let current = r.annotations.first().cloned();
                let older: Vec<Annotation> = r.annotations.iter().skip(1).cloned().collect();
                let count = older.len();
                view! {
                    <div data-testid="responsibility" data-current=current.as_ref().map(|a| a.responsibility.as_str())>
                        {match &current {
                            Some(a) => judgement(a).into_any(),
                            None => view! { <p class="text-sm text-slate-500">"Not annotated yet."</p> }.into_any(),
                        }}
                        {(count > 0).then(|| view! {
                            <details class="mt-1" data-testid="responsibility-history">
                                <summary class="cursor-pointer text-xs text-slate-500">{format!("{count} earlier judgement{} (superseded)", if count == 1 { "" } else { "s" })}</summary>
                                <ul class="mt-1 space-y-2 border-l-2 border-slate-200 pl-2 dark:border-slate-700">
                                    {older.iter().map(|a| view! { <li>{judgement(a)}</li> }).collect_view()}
                                </ul>
                            </details>
                        })}
                    </div>
                    <ul class="mt-3 space-y-1" data-testid="comments">
                        {r.comments.into_iter().map(|c| view! {
                            <li class="text-sm">
                                <span class="text-slate-500">{format!("{} at {}: ", c.author, c.created_at)}</span>
                                <span class="whitespace-pre-wrap break-words">{model::text::visible(&c.body)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }
        })
    };
    // The judgement in force, preselected in the form; none before the first.
    let current = move || {
        review
            .get()
            .and_then(Result::ok)
            .and_then(|r| r.annotations.first().map(|a| a.responsibility))
    };
    // A form that saved is emptied (so a second click cannot post it again) and says
    // when it was saved.
    let annotate_form = NodeRef::<leptos::html::Form>::new();
    let comment_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if matches!(annotate.value().get(), Some(Ok(_))) {
            if let Some(form) = annotate_form.get_untracked() {
                form.reset();
            }
        }
    });
    Effect::new(move |_| {
        if matches!(comment.value().get(), Some(Ok(_))) {
            if let Some(form) = comment_form.get_untracked() {
                form.reset();
            }
        }
    });
    let sha = bundle.clone();
    view! {
        <section aria-label="Responsibility" class="mt-4 border-t border-slate-200 pt-3 dark:border-slate-800">
            <h4 class="mb-1 font-semibold">"Responsibility"</h4>
            <Transition fallback=|| view! { <p class="text-sm text-slate-500">"Loading…"</p> }>{shown}</Transition>
            <IfCan what=Permission::Annotate>
                {let (sha1, sha2) = (sha.clone(), sha.clone()); view! {
                <ActionForm action=annotate node_ref=annotate_form attr:class="mt-3 space-y-2" attr:data-testid="annotate-form">
                    <input type="hidden" name="sha256" value=sha1/>
                    <input type="hidden" name="index" value=index/>
                    <label class="block text-sm">"Who is responsible"
                        <select name="responsibility" class=INPUT required>
                            <option value="" disabled selected=move || current().is_none()>"Choose…"</option>
                            {Responsibility::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=move || current() == Some(r)>{r.label()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class="block text-sm">"Rationale"
                        <textarea name="rationale" required rows="2" class=INPUT></textarea>
                    </label>
                    <label class="block text-sm">"Tags (comma-separated)"
                        <input name="tags" class=INPUT/>
                    </label>
                    <button type="submit" class=BUTTON disabled=move || annotate.pending().get()>"Record judgement"</button>
                    <Saved at=Signal::derive(move || annotate.value().get().and_then(Result::ok).map(|a| a.created_at)) testid="annotate-saved"/>
                    <ActionError error=Signal::derive(move || failed(annotate.value().get()))/>
                </ActionForm>
                <ActionForm action=comment node_ref=comment_form attr:class="mt-3 space-y-2" attr:data-testid="comment-form">
                    <input type="hidden" name="sha256" value=sha2/>
                    <input type="hidden" name="index" value=index/>
                    <label class="block text-sm">"Comment"
                        <textarea name="body" required rows="2" class=INPUT></textarea>
                    </label>
                    <button type="submit" class=BUTTON disabled=move || comment.pending().get()>"Add comment"</button>
                    <Saved at=Signal::derive(move || comment.value().get().and_then(Result::ok).map(|c| c.created_at)) testid="comment-saved"/>
                    <ActionError error=Signal::derive(move || failed(comment.value().get()))/>
                </ActionForm>
                }}
            </IfCan>
        </section>
    }
    .into_any()
}

/// Per side effect: its account (who intended and executed it, under which
/// credential, authority and approval, what changed) and who the reviewers hold
/// responsible.
/// With `bundle`, only that bundle's side effects.
#[component]
pub fn ResponsibilitySplit(
    incident: i64,
    #[prop(optional)] bundle: Option<String>,
) -> impl IntoView {
    let rows = Resource::new(|| (), move |_| incident_side_effects(incident));
    view! {
        <section class="my-8" aria-labelledby="split-title">
            <h2 id="split-title" class="mb-3 text-lg font-semibold">"Responsibility per side effect"</h2>
            <Transition fallback=|| ()>
                {move || rows.get().map(|r| match r {
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                    Ok(mut rows) => {
                        if let Some(b) = &bundle {
                            rows.retain(|r| &r.bundle == b);
                        }
                        if rows.is_empty() {
                            return view! { <p class="text-sm text-slate-500">"No side effects recorded."</p> }.into_any();
                        }
                        let annotated = rows.iter().filter(|r| r.annotation.is_some()).count();
                        let total = rows.len();
                        view! {
                            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400">{format!("{annotated} of {total} annotated.")}</p>
                            <ul class="space-y-3" data-testid="side-effects">
                                {rows.into_iter().map(|r| {
                                    let t = r.sentences.clone();
                                    let judged = match &r.annotation {
                                        Some(a) => format!("{} ({})", a.responsibility.label(), a.author),
                                        None => "not annotated".to_owned(),
                                    };
                                    view! {
                                    <li class="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-950" data-bundle=r.bundle.clone() data-event=r.event>
                                        <div class="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm">
                                            <a class="font-semibold underline" href=format!("/bundles/{}?event={}", r.bundle, r.event)>{format!("Side effect #{}", r.event)}</a>
                                            <span class="font-mono text-xs text-slate-600 dark:text-slate-400">{evidence::time::readable(&r.time)}</span>
                                            <span class="ml-auto text-slate-600 dark:text-slate-400">"Responsibility: "<span data-testid="split-responsibility">{judged}</span></span>
                                        </div>
                                        <dl class="mt-2 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
                                            {crate::components::findings::account_rows(&t)}
                                        </dl>
                                    </li>
                                }}).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}
