//! Keeping the Verify page for use offline: the page registers the service worker
//! (`public/sw.js`, scope `/verify`), which keeps the page, the app and the
//! verification worker in this browser, and asks it whether it holds them all.

use leptos::prelude::*;

/// Whether this browser keeps the Verify page for use offline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Offline {
    /// Not known yet: the service worker is being installed or asked (and, on the
    /// server, always).
    #[default]
    Checking,
    /// Kept: `/verify` opens and verifies with the network off.
    Kept,
    /// Not kept: this browser has no service workers (or not for this page), or the
    /// copy could not be made. The open page still verifies while it stays open.
    NotKept,
}

/// The service worker's script.
#[cfg(feature = "hydrate")]
const SCRIPT: &str = "/sw.js";
/// What it controls: the Verify page and its worker, nothing else.
#[cfg(feature = "hydrate")]
const SCOPE: &str = "/verify";

/// Registers the service worker once the page is in the browser, and follows
/// whether it keeps the page.
pub fn keep_for_offline() -> ReadSignal<Offline> {
    let (state, set_state) = signal(Offline::Checking);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let kept = client::keep().await.unwrap_or(false);
            set_state.set(if kept {
                Offline::Kept
            } else {
                Offline::NotKept
            });
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = set_state;
    });
    state
}

#[cfg(feature = "hydrate")]
mod client {
    use js_sys::{Array, Object, Promise, Reflect};
    use leptos::prelude::window;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    use super::{SCOPE, SCRIPT};

    /// How long the worker may take to install (it fetches the wasm) and to answer.
    const WAIT_MS: i32 = 60_000;
    /// How often its state is looked at meanwhile.
    const POLL_MS: i32 = 100;

    /// Registers the worker and asks it whether it holds every file the page needs.
    pub(super) async fn keep() -> Result<bool, JsValue> {
        let navigator = window().navigator();
        // Absent where service workers are not offered (an insecure origin).
        if !Reflect::has(&navigator, &"serviceWorker".into())? {
            return Ok(false);
        }
        let container = navigator.service_worker();
        let options = web_sys::RegistrationOptions::new();
        options.set_scope(SCOPE);
        let registration: web_sys::ServiceWorkerRegistration =
            JsFuture::from(container.register_with_options(SCRIPT, &options))
                .await?
                .dyn_into()?;
        let Some(worker) = active(&registration).await else {
            return Ok(false);
        };
        asked(&worker).await
    }

    /// The registration's active worker, once there is one. A worker becomes active
    /// only once it has kept every file; one that could not is dropped (none).
    async fn active(
        registration: &web_sys::ServiceWorkerRegistration,
    ) -> Option<web_sys::ServiceWorker> {
        for _ in 0..WAIT_MS / POLL_MS {
            if let Some(worker) = registration.active() {
                return Some(worker);
            }
            if registration.installing().is_none() && registration.waiting().is_none() {
                return None;
            }
            let _ = JsFuture::from(after(POLL_MS)).await;
        }
        None
    }

    /// Whether `worker` says it holds every file.
    async fn asked(worker: &web_sys::ServiceWorker) -> Result<bool, JsValue> {
        let channel = web_sys::MessageChannel::new()?;
        let port = channel.port1();
        let answer = Promise::new(&mut |resolve, _| port.set_onmessage(Some(&resolve)));
        let question = Object::new();
        Reflect::set(&question, &"check".into(), &true.into())?;
        worker.post_message_with_transferable(&question, &Array::of1(&channel.port2()))?;
        // No answer in time reads as not kept.
        let said = JsFuture::from(Promise::race(&Array::of2(&answer, &after(WAIT_MS)))).await?;
        let Ok(event) = said.dyn_into::<web_sys::MessageEvent>() else {
            return Ok(false);
        };
        Ok(Reflect::get(&event.data(), &"kept".into())?.as_bool() == Some(true))
    }

    /// A promise that resolves (to undefined) after `ms` milliseconds.
    fn after(ms: i32) -> Promise {
        Promise::new(&mut |resolve, _| {
            let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        })
    }
}
