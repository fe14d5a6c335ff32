//! Downloads of files the server makes on request (exports, excerpts), with their
//! progress: preparing on the server, then bytes received, then saved.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast as _;

use crate::components::hydrated::use_hydrated;

/// Where a download stands.
#[derive(Clone, Debug, PartialEq)]
enum Fetch {
    Idle,
    /// Asked; the server is making the file.
    Preparing,
    /// Bytes arriving: `loaded` of `total` (when the server said how many).
    Receiving {
        loaded: f64,
        total: Option<f64>,
    },
    /// Handed to the browser to save.
    Saved {
        name: String,
        bytes: f64,
    },
    Failed(String),
}

/// A size as people read it: KiB under a MiB, MiB above.
pub fn size(bytes: f64) -> String {
    if bytes < f64::from(1 << 20) {
        format!("{:.1} KiB", bytes / 1024.0)
    } else {
        format!("{:.1} MiB", bytes / f64::from(1 << 20))
    }
}

/// The file name in a `Content-Disposition` header, if it gives one.
fn disposition_name(header: &str) -> Option<String> {
    let (_, rest) = header.split_once("filename=\"")?;
    let (name, _) = rest.split_once('"')?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// The error message of a JSON refusal, or the status.
fn refusal(status: u16, body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("the server answered {status}"))
}

fn fetch(href: &str, name: &str, state: RwSignal<Fetch>) {
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        state.set(Fetch::Failed("this browser cannot download files".into()));
        return;
    };
    if xhr.open("GET", href).is_err() {
        state.set(Fetch::Failed("the download could not start".into()));
        return;
    }
    xhr.set_response_type(web_sys::XmlHttpRequestResponseType::Blob);
    state.set(Fetch::Preparing);
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            state.set(Fetch::Receiving {
                loaded: ev.loaded(),
                total: (ev.length_computable() && ev.total() > 0.0).then(|| ev.total()),
            });
        });
    xhr.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    on_progress.forget();
    let answered = xhr.clone();
    let fallback = name.to_owned();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = answered.status().unwrap_or(0);
        let Some(blob) = answered
            .response()
            .ok()
            .and_then(|r| r.dyn_into::<web_sys::Blob>().ok())
        else {
            state.set(Fetch::Failed(
                "the server's answer could not be read".into(),
            ));
            return;
        };
        if status == 200 {
            let name = if fallback.is_empty() {
                answered
                    .get_response_header("content-disposition")
                    .ok()
                    .flatten()
                    .and_then(|h| disposition_name(&h))
                    .unwrap_or_else(|| "download".to_owned())
            } else {
                fallback.clone()
            };
            crate::downloads::save(&name, &blob);
            state.set(Fetch::Saved {
                name,
                bytes: blob.size(),
            });
        } else {
            leptos::task::spawn_local(async move {
                let body = wasm_bindgen_futures::JsFuture::from(blob.text())
                    .await
                    .ok()
                    .and_then(|t| t.as_string())
                    .unwrap_or_default();
                state.set(Fetch::Failed(refusal(status, &body)));
            });
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        state.set(Fetch::Failed(
            "the download failed: the server could not be reached".into(),
        ));
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    if xhr.send().is_err() {
        state.set(Fetch::Failed("the download could not start".into()));
    }
}

/// A link to a file the server makes on request, saved as `name` (empty: as the
/// server names it). Before the page is interactive it is a plain link; after, a click
/// fetches the file and shows its progress beside the link (`{testid}-progress`).
#[component]
pub fn Download(
    href: String,
    #[prop(into)] name: String,
    testid: &'static str,
    #[prop(into)] class: String,
    #[prop(optional, into)] title: String,
    children: Children,
) -> impl IntoView {
    let state = RwSignal::new(Fetch::Idle);
    // Until the wasm runs, the link is a plain download; `data-ready` says it no longer is.
    let hydrated = use_hydrated();
    let on_click = {
        let (href, name) = (href.clone(), name.clone());
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            if !matches!(
                state.get_untracked(),
                Fetch::Preparing | Fetch::Receiving { .. }
            ) {
                fetch(&href, &name, state);
            }
        }
    };
    let status = move || {
        match state.get() {
        Fetch::Idle => None,
        Fetch::Preparing => Some(view! {
            <progress class="h-2 w-24 align-middle" aria-label="Preparing the file"></progress>
            " preparing on the server…"
        }.into_any()),
        Fetch::Receiving { loaded, total: Some(total) } => Some(view! {
            <progress class="h-2 w-24 align-middle" max=total value=loaded aria-label="Downloading"></progress>
            {format!(" {} of {}", size(loaded), size(total))}
        }.into_any()),
        Fetch::Receiving { loaded, total: None } => Some(view! {
            <progress class="h-2 w-24 align-middle" aria-label="Downloading"></progress>
            {format!(" {} received", size(loaded))}
        }.into_any()),
        Fetch::Saved { name, bytes } => Some(format!("saved {name} ({})", size(bytes)).into_any()),
        Fetch::Failed(why) => Some(view! {
            <span class="text-red-700 dark:text-red-400">{format!("not downloaded: {why}")}</span>
        }.into_any()),
    }
    };
    view! {
        <span class="inline-flex flex-wrap items-center gap-2">
            <a href=href download=name.clone() rel="external" class=class title=title data-testid=testid
                data-ready=move || hydrated.get().then_some("true") on:click=on_click>
                {children()}
            </a>
            <span class="text-xs text-slate-600 dark:text-slate-400" role="status" aria-live="polite" data-testid=format!("{testid}-progress")>
                {status}
            </span>
        </span>
    }
}

/// Downloads of a review (an incident's or a bundle's, under `base`): each is a new
/// export, recorded in the review log.
#[component]
pub fn Exports(base: String, stem: String) -> impl IntoView {
    let button =
        "rounded-md border border-slate-300 px-3 py-1 text-sm font-medium dark:border-slate-700";
    let link = |file: &'static str, testid: &'static str, label: &'static str| {
        view! {
            <Download href=format!("{base}/{file}") name=format!("{stem}-{file}") class=button testid>{label}</Download>
        }
    };
    view! {
        <section class="mb-8" aria-labelledby="exports-title">
            <h2 id="exports-title" class="mb-2 text-lg font-semibold">"Export"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                "The archive holds the CSV, the JSON and the printable report, the transparency log's latest witnessed checkpoint with the inclusion proof of every source bundle and review entry, and a manifest of their SHA-256 and the source bundles', signed by this server: "
                <code class="font-mono text-xs">"custody verify-report export.tar --trust server.pub"</code>" proves nothing in it changed, and, with "<code class="font-mono text-xs">"--witnesses POLICY"</code>", that your witnesses saw it. "
                // The key the command needs, beside it; the archive carries a copy too,
                // but a key shipped with the files proves nothing by itself.
                <a href="/api/review-log/key" download="server.pub" rel="external" class="font-medium underline" data-testid="export-server-key">"Download server.pub"</a>
                " (this server's public key; compare it with the one you hold)."
            </p>
            <div class="flex flex-wrap items-center gap-2">
                {link("export.tar", "export-export.tar", "Verifiable export (.tar)")}
                {link("events.csv", "export-events.csv", "Events (CSV)")}
                {link("review.json", "export-review.json", "Review (JSON)")}
                <a href=format!("{base}/report.html") target="_blank" rel="external" class=button data-testid="export-report.html">"Printable report"</a>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size(512.0), "0.5 KiB");
        assert_eq!(size(1_048_575.0), "1024.0 KiB");
        assert_eq!(size(30_828_134.0), "29.4 MiB");
    }

    #[test]
    fn the_server_s_file_name_is_read_from_its_disposition() {
        assert_eq!(
            disposition_name("attachment; filename=\"events-3.csv\"").as_deref(),
            Some("events-3.csv")
        );
        assert_eq!(disposition_name("attachment"), None);
        assert_eq!(disposition_name("attachment; filename=\"\""), None);
    }

    #[test]
    fn a_refusal_says_the_server_s_reason_or_its_status() {
        assert_eq!(
            refusal(
                403,
                r#"{"error":{"code":"forbidden","message":"auditors only"}}"#
            ),
            "auditors only"
        );
        assert_eq!(
            refusal(502, "<html>bad gateway</html>"),
            "the server answered 502"
        );
    }
}
