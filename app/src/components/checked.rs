//! What a check on the Verify page found, as lines: an export's, a SCITT statement's.

use leptos::prelude::*;

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// Whether everything checked holds.
    pub holds: bool,
    /// The lines to show, in order.
    pub lines: Vec<String>,
}

impl Checked {
    /// A check that stopped at `line`.
    pub fn failed(line: String) -> Self {
        Checked {
            holds: false,
            lines: vec![line],
        }
    }
}

/// A check's lines in a box toned by whether it holds; `testid` names the box
/// (`data-state` is `verified` or `not_verified`) and `{testid}-line` each line.
#[component]
pub fn CheckedLines(checked: Checked, testid: &'static str) -> impl IntoView {
    let (tone, state) = if checked.holds {
        (
            "border-emerald-300 bg-emerald-50 dark:border-emerald-800 dark:bg-emerald-950",
            "verified",
        )
    } else {
        ("border-red-600 bg-red-50 dark:bg-red-950", "not_verified")
    };
    let line_id = format!("{}-line", testid.trim_end_matches("-result"));
    view! {
        <div class=format!("mt-4 rounded-md border p-3 text-sm {tone}") data-testid=testid data-state=state role="status">
            <ul>
                {checked.lines.into_iter().map(|l| view! { <li data-testid=line_id.clone()>{l}</li> }).collect_view()}
            </ul>
        </div>
    }
}
