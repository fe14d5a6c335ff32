//! Who is signed in, for the whole page: the header's account menu, and what each
//! part of the UI shows or hides for the reviewer's role. (Hiding is for clarity
//! only: the server refuses what a role cannot do.)

use leptos::prelude::*;

use crate::api::current_reviewer;
use model::{Permission, Reviewer};

/// The signed-in reviewer, loaded once per page.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Option<Reviewer>>);

impl Me {
    /// Loads the reviewer and provides it to every component below.
    pub fn provide() -> Me {
        let me = Me(Resource::new(
            || (),
            |_| async { current_reviewer().await.ok().flatten() },
        ));
        provide_context(me);
        me
    }

    /// Whether the signed-in reviewer may do `what` (false until known).
    pub fn can(&self, what: Permission) -> bool {
        self.0.get().flatten().is_some_and(|r| r.can(what))
    }

    /// The signed-in reviewer's account name, when known.
    pub fn username(&self) -> Option<String> {
        self.0.get().flatten().map(|r| r.username)
    }
}

/// The page's [`Me`].
pub fn use_me() -> Me {
    use_context::<Me>().unwrap_or_else(Me::provide)
}

/// Its children, only for a reviewer who may do `what`.
#[component]
pub fn IfCan(what: Permission, children: ChildrenFn) -> impl IntoView {
    let me = use_me();
    view! {
        <Transition fallback=|| ()>
            {move || me.can(what).then(|| children())}
        </Transition>
    }
}

/// The header's account menu: who is signed in, with what role, and Sign out; or
/// a Sign in link.
#[component]
pub fn AccountMenu() -> impl IntoView {
    let me = use_me();
    view! {
        <Transition fallback=|| ()>
            {move || match me.0.get().flatten() {
                Some(r) => view! {
                    <div class="flex items-center gap-2 text-sm" data-testid="account" data-role=r.role.as_str()>
                        <span class="font-medium">{r.name().to_owned()}</span>
                        <span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">{r.role.label()}</span>
                        <a href="/password" class="rounded-md px-2 py-1 text-slate-600 underline hover:text-slate-900 dark:text-slate-300">"Password"</a>
                        <form method="post" action="/logout">
                            <button type="submit" class="rounded-md px-2 py-1 text-slate-600 underline hover:text-slate-900 dark:text-slate-300">"Sign out"</button>
                        </form>
                    </div>
                }.into_any(),
                None => view! {
                    <a href="/login" class="text-sm font-medium underline">"Sign in"</a>
                }.into_any(),
            }}
        </Transition>
    }
}
