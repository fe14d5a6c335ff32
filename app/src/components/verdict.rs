//! Verdict badges: the one place a verdict becomes colour and words.

use evidence::bundle::Status;
use leptos::prelude::*;

use crate::components::help;

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

/// The badge's tone for a bundle's status.
pub fn tone_of(status: Status) -> Tone {
    match status {
        Status::Verified => Tone::Good,
        Status::VerifiedWithWarnings | Status::Untrusted => Tone::Warn,
        Status::Tampered | Status::Malformed => Tone::Bad,
    }
}

/// A bundle's status as a badge that links to what the status means on the help
/// page (the link's text is the status's label; its description says where it goes).
#[component]
pub fn StatusBadge(status: Status) -> impl IntoView {
    view! {
        <a
            href=help::href(&help::verdict_id(status))
            class="inline-flex rounded-full hover:opacity-80 focus-visible:outline-2 focus-visible:outline-offset-2"
            title=format!("What \u{201c}{}\u{201d} means", status.label())
            data-testid="verdict-badge"
            data-verdict=status.code()
        >
            <Badge tone=tone_of(status) text=status.label()/>
        </a>
    }
}

/// A stored bundle verdict as a badge, linked to its meaning.
#[component]
pub fn VerdictBadge(verdict: model::BundleStatus) -> impl IntoView {
    view! { <StatusBadge status=verdict.status()/> }
}

/// Who vouches for a bundle's events, as a badge: green when the parties that
/// acted signed them, amber when a collector attested or imported them.
#[component]
pub fn ProvenanceBadge(provenance: Option<model::BundleProvenance>) -> impl IntoView {
    let (tone, text) = match provenance {
        Some(model::BundleProvenance::Signed) => {
            (Tone::Good, model::BundleProvenance::Signed.label())
        }
        Some(p) => (Tone::Warn, p.label()),
        None => (
            Tone::Neutral,
            "provenance not recorded: no event could be read",
        ),
    };
    view! {
        <span data-testid="provenance-badge" data-provenance=provenance.map_or("not_recorded", |p| p.as_str())>
            <Badge tone text/>
        </span>
    }
}

/// Who vouches for one event, as a badge.
#[component]
pub fn EventProvenanceBadge(provenance: Option<evidence::event::Provenance>) -> impl IntoView {
    let (tone, text) = match provenance {
        Some(p) if p.is_signed() => (Tone::Good, p.label()),
        Some(p) => (Tone::Warn, p.label()),
        None => (
            Tone::Neutral,
            "provenance not recorded: its signature did not hold",
        ),
    };
    view! {
        <span data-testid="event-provenance" data-provenance=provenance.map_or("not_recorded", |p| p.as_str())>
            <Badge tone text/>
        </span>
    }
}
