//! The delegation timeline as a still picture (SVG text), for printable reports:
//! one row per lane, each event a mark at its time (human decisions diamonds, side
//! effects squares), what caused it a line, failed events red, events a finding
//! names ringed in orange. Every text in it is escaped: it is data, never markup.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{LaneKind, Standing, Timeline};
use crate::text::html as escape;

const LABEL_W: f64 = 230.0;
const PLOT_W: f64 = 700.0;
const ROW_H: f64 = 22.0;
const TOP: f64 = 34.0;

fn colour(kind: LaneKind) -> &'static str {
    match kind {
        LaneKind::Human => "#7c3aed",
        LaneKind::Agent => "#0284c7",
        LaneKind::SubAgent => "#0891b2",
        LaneKind::Service => "#0d9488",
        LaneKind::Tool => "#64748b",
        LaneKind::System => "#78716c",
        LaneKind::Credential => "#d97706",
        LaneKind::Unreadable => "#dc2626",
    }
}

/// Least distance between two marks of a row, so each can be told apart.
const MIN_GAP: f64 = 12.0;

/// `t` drawn as SVG, `flagged` (bundle positions) ringed: each mark numbered with
/// its bundle position (as findings and accounts name events), time ticks along the
/// top (dated when the events span days), and each credential's validity drawn in
/// its lane (red from a revocation on).
pub fn svg(t: &Timeline, flagged: &BTreeSet<u64>) -> String {
    let (lo, hi) = t.marks.iter().fold((i64::MAX, i64::MIN), |(lo, hi), m| {
        (lo.min(m.at), hi.max(m.at))
    });
    let (lo, hi) = if lo > hi { (0, 1) } else { (lo, hi) };
    let span = if hi > lo { (hi - lo) as f64 } else { 1.0 };
    let left = LABEL_W + 10.0;
    let right = LABEL_W + PLOT_W - 10.0;
    let x = |at: i64| left + (at.clamp(lo, hi) - lo) as f64 / span * (right - left);
    let y = |lane: u32| TOP + f64::from(lane) * ROW_H + ROW_H / 2.0;
    let height = TOP + t.lanes.len() as f64 * ROW_H + 8.0;
    // Each mark's place: at its time, set apart from the one before it in its row,
    // and pulled back left where that would pass the right edge.
    let mut placed = vec![0.0; t.marks.len()];
    let mut rows: std::collections::BTreeMap<u32, Vec<usize>> = std::collections::BTreeMap::new();
    for (n, m) in t.marks.iter().enumerate() {
        rows.entry(m.lane).or_default().push(n);
    }
    for row in rows.values_mut() {
        row.sort_by_key(|&n| (t.marks[n].at, t.marks[n].index));
        let mut last = f64::NEG_INFINITY;
        for &n in row.iter() {
            let at = x(t.marks[n].at).max(last + MIN_GAP);
            placed[n] = at;
            last = at;
        }
        let mut limit = right;
        for &n in row.iter().rev() {
            if placed[n] <= limit {
                break;
            }
            placed[n] = limit;
            limit -= MIN_GAP;
        }
    }
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{height}\" \
         viewBox=\"0 0 {w} {height}\" font-family=\"system-ui,sans-serif\" font-size=\"11\">\
         <title>Delegation timeline</title>",
        w = LABEL_W + PLOT_W
    );
    if let (Some(first), Some(last)) = (
        t.marks.iter().map(|m| &m.time).find(|t| !t.is_empty()),
        t.marks
            .iter()
            .rev()
            .map(|m| &m.time)
            .find(|t| !t.is_empty()),
    ) {
        let _ = write!(
            s,
            "<text x=\"4\" y=\"11\" fill=\"#64748b\">{} → {}</text>",
            escape(&evidence::time::readable(first)),
            escape(&evidence::time::readable(last))
        );
    }
    // Time ticks, as the console's timeline draws them.
    let v = super::scale::Viewport {
        from: lo as f64,
        to: hi as f64,
    };
    let step = super::scale::tick_step(span, right - left);
    let mut at = (lo as f64 / step).ceil() * step;
    let mut ticks = 0;
    while at <= hi as f64 && ticks < 40 {
        let tx = x(at as i64);
        let _ = write!(
            s,
            "<line x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"{}\" y2=\"{height}\" stroke=\"#e2e8f0\" stroke-width=\"1\"/>\
             <text x=\"{:.1}\" y=\"{}\" fill=\"#64748b\" font-size=\"9\" data-tick=\"\">{}</text>",
            TOP - 4.0,
            tx + 2.0,
            TOP - 6.0,
            escape(&super::scale::tick_label(at, step, v))
        );
        at += step;
        ticks += 1;
    }
    for (n, lane) in t.lanes.iter().enumerate() {
        let row = y(n as u32);
        if n % 2 == 0 {
            let _ = write!(
                s,
                "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{ROW_H}\" fill=\"#f8fafc\" fill-opacity=\"0.7\"/>",
                row - ROW_H / 2.0,
                LABEL_W + PLOT_W
            );
        }
        let label: String = lane.label.chars().take(34).collect();
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{}\" fill=\"{}\"><tspan font-weight=\"600\">{}</tspan> {}</text>",
            row + 4.0,
            colour(lane.kind),
            lane.kind.label(),
            escape(&label)
        );
        // The credential's validity: amber while valid, red from its revocation.
        if let Some(c) = &lane.credential {
            if let Some(from) = c.issued.or(c.first_seen) {
                let (x1, x2) = (x(from), c.expires.map_or(right, x));
                let _ = write!(
                    s,
                    "<rect x=\"{x1:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" rx=\"3\" fill=\"#fcd34d\" data-credential=\"{}\"/>",
                    row - 3.0,
                    (x2 - x1).max(1.0),
                    escape(&lane.id)
                );
                if let Some(r) = c.revoked {
                    let xr = x(r);
                    let _ = write!(
                        s,
                        "<rect x=\"{xr:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\" fill=\"#dc2626\" fill-opacity=\"0.6\" data-revoked=\"\"/>\
                         <line x1=\"{xr:.1}\" x2=\"{xr:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#dc2626\" stroke-width=\"2\"/>",
                        row - 3.0,
                        (x2.max(xr) - xr).max(1.0),
                        row - 8.0,
                        row + 8.0
                    );
                }
            }
        }
    }
    for (n, m) in t.marks.iter().enumerate() {
        if let Some(parent) = m.parent {
            if let Some(pm) = t.marks.get(parent as usize) {
                let _ = write!(
                    s,
                    "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#94a3b8\" stroke-width=\"1\"/>",
                    placed.get(parent as usize).copied().unwrap_or(x(pm.at)),
                    y(pm.lane),
                    placed[n],
                    y(m.lane)
                );
            }
        }
    }
    for (n, m) in t.marks.iter().enumerate() {
        let (cx, cy) = (placed[n], y(m.lane));
        let fill = match m.standing {
            Standing::Failed | Standing::Unreadable => "#dc2626",
            _ => t
                .lanes
                .get(m.lane as usize)
                .map_or("#64748b", |l| colour(l.kind)),
        };
        let shape = if m.human {
            format!(
                "<path d=\"M{cx:.1} {:.1} L{:.1} {cy:.1} L{cx:.1} {:.1} L{:.1} {cy:.1} Z\" fill=\"{fill}\">",
                cy - 6.0,
                cx + 6.0,
                cy + 6.0,
                cx - 6.0
            )
        } else if m.kind == "side_effect" {
            format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\" fill=\"{fill}\">",
                cx - 4.5,
                cy - 4.5
            )
        } else {
            format!("<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"{fill}\">")
        };
        let close = if m.human {
            "</path>"
        } else if m.kind == "side_effect" {
            "</rect>"
        } else {
            "</circle>"
        };
        let _ = write!(
            s,
            "{shape}<title>#{} {}</title>{close}\
             <text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"8\" fill=\"#334155\" data-event=\"{}\">{}</text>",
            m.index,
            escape(&m.summary),
            cy - 7.0,
            m.index,
            m.index
        );
        if flagged.contains(&u64::from(m.index)) {
            let _ = write!(
                s,
                "<circle cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"8\" fill=\"none\" stroke=\"#f97316\" stroke-width=\"2\"/>"
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lane_and_event_is_drawn_and_text_is_escaped() {
        let (bundle, root) = evidence::producer::synthetic(6, "pic");
        let read = std::sync::Mutex::new(Vec::new());
        let report = evidence::bundle::verify_and_read(
            bundle.as_bytes(),
            &[root],
            &evidence::bundle::Limits::default(),
            1,
            &|_, _| {},
            &|e| read.lock().unwrap().push((e.index, e.event)),
        )
        .unwrap();
        let t = Timeline::build(read.into_inner().unwrap(), &report);
        let picture = svg(&t, &BTreeSet::from([2]));
        assert!(picture.starts_with("<svg") && picture.ends_with("</svg>"));
        assert_eq!(picture.matches("<title>#").count(), t.marks.len());
        for lane in &t.lanes {
            assert!(picture.contains(lane.kind.label()));
        }
        assert_eq!(picture.matches("stroke=\"#f97316\"").count(), 1);
        // Every event is numbered as findings name it, and the axis has ticks.
        for m in &t.marks {
            assert!(
                picture.contains(&format!("data-event=\"{0}\">{0}</text>", m.index)),
                "#{}",
                m.index
            );
        }
        assert!(picture.matches("data-tick").count() >= 2, "{picture}");
        assert_eq!(escape("<b>'&\""), "&lt;b&gt;&#39;&amp;&quot;");
    }
}
