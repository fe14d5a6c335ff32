//! Files a person hands the page: dropped on it, or chosen with a picker.

use leptos::prelude::*;
use wasm_bindgen::JsCast as _;

/// The first file of a drop.
pub fn dropped(ev: &web_sys::DragEvent) -> Option<web_sys::File> {
    ev.data_transfer()
        .and_then(|dt| dt.files())
        .and_then(|f| f.get(0))
}

/// Puts the files of a drop in `input`, as if chosen with its picker: the browser's
/// own field then names the dropped file rather than saying none is chosen.
pub fn show_in(input: &web_sys::HtmlInputElement, ev: &web_sys::DragEvent) {
    if let Some(files) = ev.data_transfer().and_then(|dt| dt.files()) {
        input.set_files(Some(&files));
    }
}

/// The file input a `change` event came from.
pub fn input_of(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
}

/// The first file chosen in that input.
pub fn picked(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    input_of(ev).and_then(|i| i.files()).and_then(|f| f.get(0))
}

/// Where a file may be dropped: `on_file` gets the first file of a drop, after it is
/// put in `input` (when given) as if chosen with its picker. The zone's classes are
/// `base` with `idle` or, while a file is dragged over it, `over`. The one drop
/// zone: the upload, the Verify page and every text area that takes a file use it.
/// With a `label` it is a region of the page so named; `testid` names it to tests.
#[component]
pub fn DropZone(
    on_file: Callback<web_sys::File>,
    #[prop(optional)] input: Option<NodeRef<leptos::html::Input>>,
    #[prop(optional)] label: Option<&'static str>,
    #[prop(optional)] testid: Option<&'static str>,
    base: &'static str,
    idle: &'static str,
    over: &'static str,
    children: Children,
) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = dropped(&ev) {
            if let Some(input) = input.and_then(|i| i.get_untracked()) {
                show_in(&input, &ev);
            }
            on_file.run(file);
        }
    };
    view! {
        <div
            role=label.map(|_| "region")
            aria-label=label
            data-testid=testid
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
            class=move || format!("{base} {}", if dragging.get() { over } else { idle })
        >
            {children()}
        </div>
    }
}

/// A labelled text area that also takes a dropped file or one chosen with a picker.
#[component]
pub fn TextDrop(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    rows: u32,
    value: RwSignal<String>,
) -> impl IntoView {
    // The file the text came from, until the text is edited.
    let from_file = RwSignal::new(None::<String>);
    let input = NodeRef::<leptos::html::Input>::new();
    let read_file = move |file: web_sys::File| {
        from_file.set(Some(file.name()));
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                value.set(text.as_string().unwrap_or_default());
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        if let Some(file) = picked(&ev) {
            read_file(file);
        }
    };
    let file_id = format!("{id}-file");
    view! {
        <div>
            <div class="mb-1 flex flex-wrap items-center justify-between gap-x-3">
                <label for=id class="text-sm font-medium">{label}</label>
                <span class="flex items-center gap-2 whitespace-nowrap">
                    <span class="text-xs text-slate-600 dark:text-slate-400" data-testid=format!("{id}-file-name")>
                        {move || from_file.get().map(|name| format!("from {name}"))}
                    </span>
                    <label for=file_id.clone() class="cursor-pointer text-sm font-medium text-emerald-700 hover:underline dark:text-emerald-400">
                        "Choose file…"
                    </label>
                </span>
                <input id=file_id type="file" class="sr-only" node_ref=input on:change=on_pick/>
            </div>
            <DropZone
                on_file=Callback::new(read_file)
                input
                base="rounded-md"
                idle=""
                over="ring-2 ring-emerald-500/40"
            >
                <textarea
                    id=id
                    rows=rows
                    spellcheck="false"
                    placeholder=placeholder
                    prop:value=move || value.get()
                    on:input=move |ev| {
                        from_file.set(None);
                        value.set(event_target_value(&ev));
                    }
                    class="block w-full rounded-md border border-slate-300 bg-white p-3 font-mono text-xs shadow-sm focus:outline-none focus:ring-2 focus:ring-emerald-500/40 dark:border-slate-700 dark:bg-slate-900"
                ></textarea>
            </DropZone>
            <p class="mt-1 text-xs text-slate-500">"Paste, drop a file here, or choose one."</p>
        </div>
    }
    .into_any()
}
