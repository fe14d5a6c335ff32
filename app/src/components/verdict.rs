//! Verdict badges: the one place a verdict becomes colour and words.

use leptos::prelude::*;

/// The kinds of verdict a badge can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Verified.
    Good,
    /// Failed or tampered.
    Bad,
    /// Intact but not trusted, or with warnings.
    Warn,
    /// Not checked, or nothing to say.
    Neutral,
}

/// A small coloured label.
#[component]
pub fn Badge(tone: Tone, #[prop(into)] text: String) -> impl IntoView {
    let class = match tone {
        Tone::Good => "bg-emerald-100 text-emerald-800 ring-emerald-600/30 dark:bg-emerald-900/40 dark:text-emerald-200",
        Tone::Bad => "bg-red-100 text-red-800 ring-red-600/30 dark:bg-red-900/40 dark:text-red-200",
        Tone::Warn => "bg-amber-100 text-amber-900 ring-amber-600/30 dark:bg-amber-900/40 dark:text-amber-200",
        Tone::Neutral => "bg-slate-100 text-slate-700 ring-slate-500/30 dark:bg-slate-800 dark:text-slate-200",
    };
    view! {
        <span class=format!("inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {class}")>
            {text}
        </span>
    }
}

/// A bundle verdict as a badge.
#[component]
pub fn VerdictBadge(verdict: crate::model::Verdict) -> impl IntoView {
    use crate::model::Verdict;
    let tone = match verdict {
        Verdict::Verified => Tone::Good,
        Verdict::VerifiedWithWarnings | Verdict::Untrusted => Tone::Warn,
        Verdict::Tampered => Tone::Bad,
    };
    view! { <Badge tone text=verdict.label()/> }
}
