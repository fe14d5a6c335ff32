//! The delegation timeline as a still picture (SVG text), for printable reports:
//! one row per lane, each event a mark at its time (human decisions diamonds, side
//! effects squares), what caused it a line, failed events red, events a finding
//! names ringed in orange. Every text in it is escaped: it is data, never markup.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{LaneKind, Standing, Timeline};

const LABEL_W: f64 = 230.0;
const PLOT_W: f64 = 700.0;
const ROW_H: f64 = 22.0;
const TOP: f64 = 24.0;

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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// `t` drawn as SVG, `flagged` (bundle positions) ringed.
pub fn svg(t: &Timeline, flagged: &BTreeSet<u64>) -> String {
    let (lo, hi) = t.marks.iter().fold((i64::MAX, i64::MIN), |(lo, hi), m| {
        (lo.min(m.at), hi.max(m.at))
    });
    let span = if hi > lo { (hi - lo) as f64 } else { 1.0 };
    let x = |at: i64| LABEL_W + 10.0 + (at - lo.min(at)) as f64 / span * (PLOT_W - 20.0);
    let y = |lane: u32| TOP + f64::from(lane) * ROW_H + ROW_H / 2.0;
    let height = TOP + t.lanes.len() as f64 * ROW_H + 8.0;
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
            "<text x=\"{LABEL_W}\" y=\"14\" fill=\"#64748b\">{} → {} (UTC)</text>",
            escape(first),
            escape(last)
        );
    }
    for (n, lane) in t.lanes.iter().enumerate() {
        let row = y(n as u32);
        if n % 2 == 0 {
            let _ = write!(
                s,
                "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{ROW_H}\" fill=\"#f8fafc\"/>",
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
    }
    for m in &t.marks {
        if let Some(parent) = m.parent.and_then(|p| t.marks.get(p as usize)) {
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#94a3b8\" stroke-width=\"1\"/>",
                x(parent.at),
                y(parent.lane),
                x(m.at),
                y(m.lane)
            );
        }
    }
    for m in &t.marks {
        let (cx, cy) = (x(m.at), y(m.lane));
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
            "{shape}<title>#{} {}</title>{close}",
            m.index,
            escape(&m.summary)
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
        assert_eq!(escape("<b>'&\""), "&lt;b&gt;&#39;&amp;&quot;");
    }
}
