//! The rules across an incident's bundles: `unsigned-provenance` (an action only a
//! collector vouches for) and `unreconciled` (a call one side recorded and the
//! other, covering its time, did not).

use super::{finding, what};
use crate::event::{Event, Kind};
use crate::findings::{Finding, Rule};
use crate::reconcile::{At, Calls, Reconciliation};

/// The event at `at`, when readable.
fn event<'a>(bundles: &'a [(&str, &Calls)], at: At) -> Option<&'a Event> {
    bundles
        .get(at.bundle)
        .and_then(|(_, calls)| calls.actions.iter().find(|(p, _)| *p == at.event))
        .map(|(_, e)| e)
}

fn name<'a>(bundles: &'a [(&str, &Calls)], b: usize) -> &'a str {
    bundles.get(b).map_or("?", |(n, _)| n)
}

/// A call in words: `refund-agent called refund (call id call_1) at T`.
fn call(e: &Event) -> String {
    let id = e
        .tool
        .as_ref()
        .and_then(|t| t.call_id.as_deref())
        .map(|id| format!(" (call id {id})"))
        .unwrap_or_default();
    format!("{} {}{id} at {}", e.actor.id, what(e), e.time)
}

pub(in crate::findings) fn across(
    bundles: &[(&str, &Calls)],
    reconciled: &Reconciliation,
) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    for u in &reconciled.unmatched {
        let Some(e) = event(bundles, u.call) else {
            continue;
        };
        let (this, other) = if u.signed {
            ("signed by its emitter", "the collector's traces")
        } else {
            (
                "reported to the collector",
                "the bundles signed by the parties that acted",
            )
        };
        let missing: Vec<String> = u
            .missing_from
            .iter()
            .map(|b| name(bundles, *b).to_owned())
            .collect();
        out.push((
            u.call.bundle,
            finding(
                Rule::Unreconciled,
                vec![u.call.event],
                format!(
                    "{}, {this} in this bundle, is not in {other} ({}), which cover that time",
                    call(e),
                    super::list(&missing)
                ),
            ),
        ));
    }
    for (b, (_, calls)) in bundles.iter().enumerate() {
        for (pos, e) in &calls.actions {
            let action = matches!(
                e.kind,
                Kind::ToolCall | Kind::HttpRequest | Kind::SideEffect
            );
            if !action || e.provenance().is_signed() {
                continue;
            }
            let at = At {
                bundle: b,
                event: *pos,
            };
            if reconciled.match_of(at).is_some() {
                continue;
            }
            out.push((
                b,
                finding(
                    Rule::UnsignedProvenance,
                    vec![*pos],
                    format!(
                        "{} {} at {}, {}: no event signed by a party that acted records it",
                        e.actor.id,
                        what(e),
                        e.time,
                        e.provenance().label()
                    ),
                ),
            ));
        }
    }
    out.sort_by(|(a, x), (b, y)| (a, &x.events, x.rule).cmp(&(b, &y.events, y.rule)));
    out
}
