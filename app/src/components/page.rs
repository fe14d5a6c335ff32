//! What every page shares: its heading, its title, and a server function's error
//! said plainly.

use leptos::prelude::*;

/// A page's heading and one-line purpose.
#[component]
pub fn PageHeader(title: &'static str, #[prop(into)] lead: String) -> impl IntoView {
    view! {
        <div class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight">{title}</h1>
            <p class="mt-1 max-w-3xl text-slate-600 dark:text-slate-400">{lead}</p>
        </div>
    }
}

/// A server function's error, said plainly.
#[component]
pub fn ErrorBox(error: crate::error::ApiError) -> impl IntoView {
    view! {
        <div role="alert" class="rounded-lg border border-red-300 bg-red-50 p-4 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
            {error.to_string()}
        </div>
    }
}

/// A page's `<title>`. The server writes the title into the page's HTML as it is
/// given (leptos_meta does not escape it), so on the server it is escaped here; in
/// the browser it is set as text (`document.title`), where escaping would show.
/// Characters that reorder or hide text are shown ([`model::text::visible`]).
pub fn page_title(text: &str) -> String {
    let text = model::text::visible(text);
    if cfg!(feature = "ssr") {
        model::text::html(&text)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::page_title;

    #[test]
    fn a_title_is_text() {
        let hostile =
            "</title><meta http-equiv=\"refresh\" content=\"0;url=//evil.example\"><title>";
        let title = page_title(hostile);
        if cfg!(feature = "ssr") {
            assert!(!title.contains('<') && !title.contains('"'), "{title}");
        } else {
            // In the browser the title is set as text: escaping would show.
            assert_eq!(title, hostile);
        }
    }
}
